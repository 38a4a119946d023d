import { useEffect, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { AppHeader } from '../src/AppHeader.tsx'
import { rememberedName, rememberName } from '../src/name-store.ts'
import { useClient } from '../src/use-client.ts'
import { placeFromUrl, urlForPlace, type BuzzerPlace } from './buzzer-url.ts'
import { HostView } from './HostView.tsx'
import { NameDialog } from './NameDialog.tsx'
import { NameForm } from './NameForm.tsx'
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

/** The buzzer: asks for a name once, then shows the room and view named in the URL. */
export const BuzzerApp = () => {
  const [name, setName] = useState(rememberedName)
  const [isRenaming, setIsRenaming] = useState(false)
  const [place, setPlace] = usePlaceInUrl()
  const client = useClient(name)
  const choose = (chosen: string): void => {
    rememberName(chosen)
    setName(chosen)
    setIsRenaming(false)
  }
  if (name === undefined || client === undefined)
    return (
      <>
        <AppHeader title="Buzzer" />
        <main class="centered">
          {name === undefined ? <NameForm initial="" onSubmit={choose} /> : null}
        </main>
      </>
    )
  return (
    <>
      <AppHeader title="Buzzer" client={client}>
        <button
          type="button"
          class="button button--quiet button--small name-button"
          aria-label={`Your name is ${name}. Change it`}
          onClick={() => {
            setIsRenaming(true)
          }}
        >
          <svg
            viewBox="0 0 24 24"
            width="14"
            height="14"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
          >
            <path d="M15 5l4 4L9 19H5v-4zM13 7l4 4" />
          </svg>
          <span class="name-button__text">{name}</span>
        </button>
      </AppHeader>
      <main class="buzzer">
        <PlaceBar place={place} onChange={setPlace} />
        <Room key={place.room} client={client} place={place} />
      </main>
      {isRenaming ? (
        <NameDialog
          name={name}
          onSubmit={choose}
          onClose={() => {
            setIsRenaming(false)
          }}
        />
      ) : null}
    </>
  )
}
