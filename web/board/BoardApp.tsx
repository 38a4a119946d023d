import { useEffect, useState } from 'preact/hooks'
import { AppHeader } from '../src/AppHeader.tsx'
import { rememberedName, rememberName } from '../src/name-store.ts'
import { useClient } from '../src/use-client.ts'
import { boardFromUrl, urlForBoard } from './board-name.ts'
import { NameForm } from './NameForm.tsx'
import { RenameDialog } from './RenameDialog.tsx'
import { Whiteboard } from './Whiteboard.tsx'

/** The board named in the address bar; the address always names it, so it can be shared. */
const useBoardInUrl = (): string => {
  const [board] = useState(() => boardFromUrl(new URL(location.href)))
  useEffect(() => {
    const url = urlForBoard(board)
    if (`${location.pathname}${location.search}` !== url) history.replaceState(null, '', url)
  }, [board])
  return board
}

/** The whiteboard: asks for a name once (others see it by the cursor), then shows the board. */
export const BoardApp = () => {
  const [name, setName] = useState(rememberedName)
  const [isRenaming, setIsRenaming] = useState(false)
  const board = useBoardInUrl()
  const client = useClient(name)
  const choose = (chosen: string): void => {
    rememberName(chosen)
    setName(chosen)
    setIsRenaming(false)
  }
  if (name === undefined || client === undefined)
    return (
      <>
        <AppHeader title="Whiteboard" />
        <main class="centered">
          {name === undefined ? <NameForm initial="" onSubmit={choose} /> : null}
        </main>
      </>
    )
  return (
    <>
      <AppHeader title="Whiteboard" client={client}>
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
          <span class="rename__name">{name}</span>
        </button>
      </AppHeader>
      <Whiteboard key={board} client={client} board={board} />
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
