import { useEffect, useState } from 'preact/hooks'
import { NamedApp } from '../src/NamedApp.tsx'
import type { NameFormTexts } from '../src/NameForm.tsx'
import { boardFromUrl, urlForBoard } from './board-name.ts'
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

const texts: NameFormTexts = {
  welcome: 'Draw together',
  hint: 'Pick the name the others see next to your cursor. This browser remembers it.',
  join: 'Open the board',
}

/** The whiteboard: asks for a name once (others see it by the cursor), then shows the board. */
export const BoardApp = () => {
  const board = useBoardInUrl()
  return (
    <NamedApp title="Whiteboard" texts={texts} nameClass="rename__name">
      {(client) => <Whiteboard key={board} client={client} board={board} />}
    </NamedApp>
  )
}
