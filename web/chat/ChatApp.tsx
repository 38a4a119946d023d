import { useEffect, useState } from 'preact/hooks'
import { AppHeader } from '../src/AppHeader.tsx'
import { rememberedName, rememberName } from '../src/name-store.ts'
import { useClient } from '../src/use-client.ts'
import { ChatRoom } from './ChatRoom.tsx'
import { NameForm } from './NameForm.tsx'
import { RenameDialog } from './RenameDialog.tsx'
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

/** The chat: asks for a name once, then shows the room named in the URL (the lobby by default). */
export const ChatApp = () => {
  const [name, setName] = useState(rememberedName)
  const [isRenaming, setIsRenaming] = useState(false)
  const [room, setRoom] = useRoomInUrl()
  const client = useClient(name)
  const choose = (chosen: string): void => {
    rememberName(chosen)
    setName(chosen)
    setIsRenaming(false)
  }
  if (name === undefined || client === undefined)
    return (
      <>
        <AppHeader title="Chat" />
        <main class="centered">
          {name === undefined ? <NameForm initial="" onSubmit={choose} /> : null}
        </main>
      </>
    )
  return (
    <>
      <AppHeader title="Chat" client={client}>
        <button
          type="button"
          class="button button--quiet button--small"
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
          {name}
        </button>
      </AppHeader>
      <ChatRoom key={room} client={client} room={room} name={name} onJoin={setRoom} />
      {isRenaming ? (
        <RenameDialog
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
