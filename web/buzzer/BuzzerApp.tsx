import { useEffect, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { NamedApp } from '../src/NamedApp.tsx'
import type { NameFormTexts } from '../src/NameForm.tsx'
import { placeFromUrl, urlForPlace, type BuzzerPlace } from './buzzer-url.ts'
import { HostView } from './HostView.tsx'
import { PlaceBar } from './PlaceBar.tsx'
import { PlayerView } from './PlayerView.tsx'
import { useBuzzerRoom } from './use-buzzer-room.ts'

/** The room and view in the address bar, following back and forward. */
const usePlaceInUrl = (): [BuzzerPlace, (place: BuzzerPlace) => void] => {
  const [place, setPlace] = useState(() => placeFromUrl(new URL(location.href)))
  useEffect(() => {
    const onPop = (): void => {
      setPlace(placeFromUrl(new URL(location.href)))
    }
    window.addEventListener('popstate', onPop)
    return () => {
      window.removeEventListener('popstate', onPop)
    }
  }, [])
  const go = (next: BuzzerPlace): void => {
    history.pushState(null, '', urlForPlace(next))
    setPlace(next)
  }
  return [place, go]
}

/** One room, as a player or as its host. Mount it with the room as its `key`. */
const Room = ({ client, place }: { client: Client; place: BuzzerPlace }) => {
  const state = useBuzzerRoom(client, place.room)
  return place.isHost ? (
    <HostView client={client} room={place.room} state={state} />
  ) : (
    <PlayerView client={client} room={place.room} state={state} />
  )
}

const texts: NameFormTexts = {
  welcome: 'Ready to buzz?',
  hint: 'The ranking shows this name. This browser remembers it.',
  join: 'Join',
}

/** The buzzer: asks for a name once, then shows the room and view named in the URL. */
export const BuzzerApp = () => {
  const [place, setPlace] = usePlaceInUrl()
  return (
    <NamedApp title="Buzzer" texts={texts} buttonClass="name-button" nameClass="name-button__text">
      {(client) => (
        <main class="buzzer">
          <PlaceBar place={place} onChange={setPlace} />
          <Room key={place.room} client={client} place={place} />
        </main>
      )}
    </NamedApp>
  )
}
