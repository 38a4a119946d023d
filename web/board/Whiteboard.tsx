import { useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useConnection } from '../src/use-connection.ts'
import { BoardCanvas } from './BoardCanvas.tsx'
import { ClearDialog } from './ClearDialog.tsx'
import { PeopleHere } from './PeopleHere.tsx'
import { Toolbar } from './Toolbar.tsx'
import { rememberedTools, rememberTools } from './tools.ts'
import { useBoard } from './use-board.ts'
import { useCursorSignal } from './use-cursor-signal.ts'
import { useCursors } from './use-cursors.ts'
import { usePeople } from './use-people.ts'

const plural = (count: number, one: string, many: string): string =>
  `${count} ${count === 1 ? one : many}`

/**
 * One board: the tools, the board itself with everyone's cursors, and a line about its state.
 * Mount it with the board's name as its `key`.
 */
export const Whiteboard = ({ client, board }: { client: Client; board: string }) => {
  const { sub, scene, status, send, clear, error } = useBoard(client, board)
  const cursors = useCursors(sub)
  const people = usePeople(sub)
  const moveCursor = useCursorSignal(sub)
  const isConnected = useConnection(client) === 'connected'
  const [tools, setTools] = useState(rememberedTools)
  const [isAskingToClear, setIsAskingToClear] = useState(false)
  const [clearError, setClearError] = useState<string>()
  const strokes = scene.placed.length + scene.pending.length
  const isEmpty = strokes === 0 && status === 'ready'

  const confirmClear = (): void => {
    setIsAskingToClear(false)
    clear().then(
      () => {
        setClearError(undefined)
      },
      (failure: unknown) => {
        setClearError(failure instanceof Error ? failure.message : 'the server did not answer')
      },
    )
  }

  return (
    <main class="board-page">
      <Toolbar
        tools={tools}
        onChange={(next) => {
          rememberTools(next)
          setTools(next)
        }}
      >
        <PeopleHere people={people} />
        <button
          type="button"
          class="button button--quiet button--small"
          disabled={!isConnected || status !== 'ready'}
          onClick={() => {
            setIsAskingToClear(true)
          }}
        >
          <svg
            viewBox="0 0 24 24"
            width="15"
            height="15"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
          >
            <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
          </svg>
          Clear
        </button>
      </Toolbar>
      <div class="board-stage">
        <BoardCanvas
          scene={scene}
          tools={tools}
          cursors={cursors}
          onStroke={send}
          onCursor={moveCursor}
          label={`Board ${board}: ${plural(strokes, 'stroke', 'strokes')}`}
        >
          {status === 'loading' ? (
            <p class="board-paper__note" role="status">
              Loading the board…
            </p>
          ) : isEmpty ? (
            <p class="board-paper__note board-paper__note--hint">
              Draw anywhere: everyone on this board sees it live.
            </p>
          ) : null}
        </BoardCanvas>
        <footer
          class="board-footer"
          data-testid="board-state"
          data-status={status}
          data-strokes={scene.placed.length}
          data-pending={scene.pending.length}
        >
          <span>
            Board <code>{board}</code>
          </span>
          <span aria-hidden="true">·</span>
          <span>{plural(strokes, 'stroke', 'strokes')}</span>
          {scene.pending.length > 0 && !isConnected ? (
            <span class="board-footer__waiting">
              {plural(scene.pending.length, 'stroke waits', 'strokes wait')} for the connection
            </span>
          ) : null}
          {status === 'failed' ? (
            <span class="board-footer__error" role="alert">
              The board could not be loaded. Reload the page to try again.
            </span>
          ) : null}
          {error === undefined ? null : (
            <span class="board-footer__error" role="alert">
              A stroke was not saved: {error}
            </span>
          )}
          {clearError === undefined ? null : (
            <span class="board-footer__error" role="alert">
              The board was not cleared: {clearError}
            </span>
          )}
        </footer>
      </div>
      {isAskingToClear ? (
        <ClearDialog
          board={board}
          onConfirm={confirmClear}
          onClose={() => {
            setIsAskingToClear(false)
          }}
        />
      ) : null}
    </main>
  )
}
