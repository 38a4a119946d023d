/**
 * Line input with output that arrives at any time: on a terminal, incoming lines are printed
 * above the prompt and the line being typed is redrawn intact below them (with an optional status
 * line, such as "Bob is typing…", between the two); with piped input or output, plain lines.
 */
import {
  clearScreenDown,
  createInterface,
  cursorTo,
  moveCursor,
  type Interface,
} from 'node:readline'
import { displayWidth, fitWidth } from './display-width.js'

/** What a {@link LineUi} reports. */
export interface LineUiHandlers {
  /** A line was entered (Enter on a terminal, or one line of piped input), without its newline. */
  onLine(line: string): void
  /** Input ended: Ctrl+D on an empty prompt, or the end of piped input. */
  onEnd(): void
  /** The line being typed changed (terminals only). */
  onEdit?(line: string): void
  /** Ctrl+C at the prompt (terminals only: elsewhere the process gets SIGINT). */
  onInterrupt?(): void
}

export interface LineUi {
  /** Whether this is the terminal flavour (prompt, editing, status line). */
  readonly isInteractive: boolean
  /** Prints `text` (one or more lines) above the prompt, keeping what is being typed. */
  print(text: string): void
  /** Shows `text` on the status line above the prompt, or removes it (terminals only). */
  setStatus(text: string | undefined): void
  setPrompt(prompt: string): void
  /** Stops reading input and clears the prompt; `onEnd` is not called. */
  close(): void
}

export interface LineUiStreams {
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
}

/** The terminal flavour when both streams are terminals, the plain one otherwise. */
export const createLineUi = (
  handlers: LineUiHandlers,
  prompt: string,
  streams: LineUiStreams = { input: process.stdin, output: process.stdout },
): LineUi =>
  streams.input.isTTY && streams.output.isTTY
    ? createTerminalUi(handlers, prompt, streams)
    : createPipeUi(handlers, streams)

const createPipeUi = (handlers: LineUiHandlers, { input, output }: LineUiStreams): LineUi => {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false })
  let isClosed = false
  lines.on('line', (line) => {
    handlers.onLine(line)
  })
  lines.on('close', () => {
    if (!isClosed) handlers.onEnd()
  })
  return {
    isInteractive: false,
    print(text) {
      output.write(`${text}\n`)
    },
    setStatus: () => undefined,
    setPrompt: () => undefined,
    close() {
      isClosed = true
      lines.close()
    },
  }
}

/**
 * The terminal flavour. readline does the editing (keys, history, Ctrl+C, Ctrl+D) but writes
 * nothing: this draws the status line and the prompt itself, from `rl.line` and `rl.cursor`, and
 * so always knows how many rows they take. (readline's own drawing loses count when several
 * characters arrive in one read, as when pasting, which would garble the redraw.)
 */
const createTerminalUi = (
  handlers: LineUiHandlers,
  initialPrompt: string,
  { input, output }: LineUiStreams,
): LineUi => {
  const rl: Interface = createInterface({ input, terminal: true, historySize: 100 })
  let prompt = initialPrompt
  let status: string | undefined
  /** The rows drawn above the prompt (the status line), and the cursor's row within the prompt. */
  let drawn = { statusRows: 0, cursorRow: 0 }
  let editedLine = ''
  let isClosed = false

  const columns = (): number => Math.max(output.columns, 10)

  /** Erases the status line and the prompt; the cursor ends where the status line began. */
  const erase = (): void => {
    moveCursor(output, 0, -(drawn.cursorRow + drawn.statusRows))
    cursorTo(output, 0)
    clearScreenDown(output)
    drawn = { statusRows: 0, cursorRow: 0 }
  }

  /** Draws the status line and the prompt with the line being edited, the cursor in place. */
  const draw = (): void => {
    const width = columns()
    if (status !== undefined) output.write(`${fitWidth(status, width - 1)}\n`)
    // Tabs would take a variable width: shown as spaces.
    const line = rl.line.replaceAll('\t', ' ')
    const endColumns = displayWidth(prompt + line)
    const cursorColumns = displayWidth(prompt + line.slice(0, rl.cursor))
    output.write(prompt + line)
    // Past the last column the terminal waits to wrap until the next character: wrap now.
    if (endColumns > 0 && endColumns % width === 0) output.write('\r\n')
    const cursorRow = Math.floor(cursorColumns / width)
    moveCursor(output, 0, -(Math.floor(endColumns / width) - cursorRow))
    cursorTo(output, cursorColumns % width)
    drawn = { statusRows: status === undefined ? 0 : 1, cursorRow }
  }

  /** Redraws with `above` (whole lines) printed first. */
  const redraw = (above = ''): void => {
    erase()
    output.write(above)
    draw()
  }

  rl.on('line', (line) => {
    redraw()
    handlers.onLine(line)
  })
  rl.on('close', () => {
    if (!isClosed) handlers.onEnd()
  })
  rl.on('SIGINT', () => {
    if (handlers.onInterrupt === undefined) handlers.onEnd()
    else handlers.onInterrupt()
  })
  // Registered after readline's own listener, so `rl.line` and `rl.cursor` are up to date.
  input.on(
    'keypress',
    (_text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
      if (isClosed) return
      if (key?.ctrl === true && key.name === 'l') {
        cursorTo(output, 0, 0)
        clearScreenDown(output)
        drawn = { statusRows: 0, cursorRow: 0 }
        draw()
        return
      }
      redraw()
      if (rl.line === editedLine) return
      editedLine = rl.line
      handlers.onEdit?.(editedLine)
    },
  )
  const onResize = (): void => {
    if (!isClosed) redraw()
  }
  output.on('resize', onResize)
  draw()

  return {
    isInteractive: true,
    print(text) {
      if (isClosed) output.write(`${text}\n`)
      else redraw(`${text}\n`)
    },
    setStatus(text) {
      if (text === status) return
      status = text
      if (!isClosed) redraw()
    },
    setPrompt(next) {
      prompt = next
      if (!isClosed) redraw()
    },
    close() {
      if (isClosed) return
      erase()
      isClosed = true
      output.off('resize', onResize)
      rl.close()
    },
  }
}
