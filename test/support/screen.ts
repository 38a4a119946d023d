/**
 * A minimal terminal emulator for tests of interactive commands: it replays what a command wrote
 * to its terminal (text, CR, LF, backspace and the cursor and erase sequences readline uses) on a
 * grid of cells, so a test can check what a person would see, not just which bytes went by.
 * Colours and other modes are ignored; unknown sequences throw, so a test never passes on a
 * screen this cannot draw.
 */
export interface Screen {
  /** Applies more output. */
  write(text: string): void
  /** The visible rows, trailing spaces trimmed. */
  rows(): string[]
  /** Rows that scrolled off the top, oldest first, then the visible ones. */
  transcript(): string[]
  /** Where the cursor is (0-based). */
  cursor(): { row: number; column: number }
}

const ESC = '\u001b'
/** Control sequences: ESC [ then an optional private marker, parameters, intermediates, final. */
const CSI = new RegExp(`^${ESC}\\[([?>]?)([\\d;]*)([ -/]*)([@-~])`, 'u')
/** Character set choices and keypad modes: nothing to draw. */
const OTHER_ESCAPE = new RegExp(`^${ESC}[()][0-9A-Za-z]|^${ESC}[=>]`, 'u')
/** The start of an escape sequence whose end is still to come in the next piece of output. */
const UNFINISHED_ESCAPE = new RegExp(`^${ESC}(\\[[?>]?[\\d;]*[ -/]*|[()])?$`, 'u')

export const createScreen = (columns: number, rowCount: number): Screen => {
  const blank = (): string[] => Array.from({ length: columns }, () => ' ')
  let grid = Array.from({ length: rowCount }, blank)
  const scrolledOff: string[] = []
  let row = 0
  let column = 0
  /** After the last column: the next printable character wraps first (as xterm does). */
  let isWrapPending = false
  /** An escape sequence cut in two by the pipe, waiting for its end. */
  let unfinished = ''

  const render = (cells: string[]): string => cells.join('').trimEnd()
  const lineFeed = (): void => {
    if (row < rowCount - 1) {
      row += 1
      return
    }
    const [top] = grid
    if (top !== undefined) scrolledOff.push(render(top))
    grid = [...grid.slice(1), blank()]
  }
  const put = (char: string): void => {
    if (isWrapPending) {
      column = 0
      lineFeed()
      isWrapPending = false
    }
    const cells = grid[row]
    if (cells !== undefined) cells[column] = char
    if (column === columns - 1) isWrapPending = true
    else column += 1
  }
  const clamp = (value: number, max: number): number => Math.max(0, Math.min(max, value))
  const erase = (fromRow: number, fromColumn: number, toRow: number, toColumn: number): void => {
    for (let r = fromRow; r <= toRow; r += 1)
      for (let c = r === fromRow ? fromColumn : 0; c < (r === toRow ? toColumn : columns); c += 1) {
        const cells = grid[r]
        if (cells !== undefined) cells[c] = ' '
      }
  }
  const control = (prefix: string, params: string, final: string): void => {
    const numbers = params === '' ? [] : params.split(';').map(Number)
    const n = numbers[0] ?? 0
    const count = Math.max(n, 1)
    isWrapPending = false
    if (prefix !== '') return // modes such as ?25h (cursor shown) or ?2004h change no cell
    switch (final) {
      case 'A':
        row = clamp(row - count, rowCount - 1)
        return
      case 'B':
        row = clamp(row + count, rowCount - 1)
        return
      case 'C':
        column = clamp(column + count, columns - 1)
        return
      case 'D':
        column = clamp(column - count, columns - 1)
        return
      case 'G':
        column = clamp(count - 1, columns - 1)
        return
      case 'H':
      case 'f':
        row = clamp(count - 1, rowCount - 1)
        column = clamp(Math.max(numbers[1] ?? 1, 1) - 1, columns - 1)
        return
      case 'J':
        if (n === 0) erase(row, column, rowCount - 1, columns)
        else if (n === 1) erase(0, 0, row, column + 1)
        else erase(0, 0, rowCount - 1, columns)
        return
      case 'K':
        if (n === 0) erase(row, column, row, columns)
        else if (n === 1) erase(row, 0, row, column + 1)
        else erase(row, 0, row, columns)
        return
      case 'm':
        return
      default:
        throw new Error(`screen: unsupported sequence ESC [${prefix}${params}${final}`)
    }
  }

  return {
    write(text) {
      let rest = unfinished + text
      unfinished = ''
      while (rest.length > 0) {
        const char = rest.charAt(0)
        if (char === '\u001b') {
          const csi = CSI.exec(rest)
          if (csi !== null) {
            control(csi[1] ?? '', csi[2] ?? '', csi[4] ?? '')
            rest = rest.slice(csi[0].length)
            continue
          }
          if (UNFINISHED_ESCAPE.test(rest)) {
            unfinished = rest
            return
          }
          const other = OTHER_ESCAPE.exec(rest)
          if (other === null)
            throw new Error(`screen: unsupported escape ${JSON.stringify(rest.slice(0, 8))}`)
          rest = rest.slice(other[0].length)
          continue
        }
        const codePoint = rest.codePointAt(0) ?? 0
        const symbol = String.fromCodePoint(codePoint)
        rest = rest.slice(symbol.length)
        if (symbol === '\r') {
          column = 0
          isWrapPending = false
        } else if (symbol === '\n') {
          lineFeed()
          isWrapPending = false
        } else if (symbol === '\b') {
          column = Math.max(0, column - 1)
          isWrapPending = false
        } else if (symbol === '\u0007') {
          // The bell rings nowhere.
        } else if (codePoint < 0x20) {
          throw new Error(`screen: unsupported control character ${JSON.stringify(symbol)}`)
        } else put(symbol)
      }
    },
    rows: () => grid.map(render),
    transcript: () => [...scrolledOff, ...grid.map(render)],
    cursor: () => ({ row, column }),
  }
}
