import { useEffect, useState } from 'preact/hooks'
import { NamedApp } from '../src/NamedApp.tsx'
import type { NameFormTexts } from '../src/NameForm.tsx'
import { ChatRoom } from './ChatRoom.tsx'
import { roomFromUrl, urlForRoom } from './room-name.ts'

/** The room in the address bar, following back and forward. */
const useRoomInUrl = (): [string, (room: string) => void] => {
  const [room, setRoom] = useState(() => roomFromUrl(new URL(location.href)))
  useEffect(() => {
    const onPop = (): void => {
      setRoom(roomFromUrl(new URL(location.href)))
    }
    window.addEventListener('popstate', onPop)
    return () => {
      window.removeEventListener('popstate', onPop)
    }
  }, [])
  const go = (next: string): void => {
    if (next === room) return
    history.pushState(null, '', urlForRoom(next))
    setRoom(next)
  }
  return [room, go]
}

const texts: NameFormTexts = {
  welcome: 'Welcome to the chat',
  hint: 'Pick the name the others will see. This browser remembers it.',
  join: 'Join the chat',
}

/** The chat: asks for a name once, then shows the room named in the URL (the lobby by default). */
export const ChatApp = () => {
  const [room, setRoom] = useRoomInUrl()
  return (
    <NamedApp title="Chat" texts={texts}>
      {(client, name) => (
        <ChatRoom key={room} client={client} room={room} name={name} onJoin={setRoom} />
      )}
    </NamedApp>
  )
}
