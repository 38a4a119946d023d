import { toVisibleLine } from '../../protocol/index.js'
import { ReplyError, type TextConnection } from '../../server/index.js'

/**
 * A line from the server itself, as the chat shows it: `[Server]: <text>`. Like every line a
 * plain endpoint relays, it goes through {@link toVisibleLine}: whatever `text` holds (names, a
 * backend's text), it prints as this one line and nothing in it is obeyed.
 */
export const serverLine = (text: string): string => `[Server]: ${toVisibleLine(text)}`

/**
 * A line someone said, as the chat shows it: `[Alice]: <text>`, name and text through
 * {@link toVisibleLine}, so that a message never reads as several lines or as someone else's.
 */
export const memberLine = (name: string, text: string): string =>
  `[${toVisibleLine(name)}]: ${toVisibleLine(text)}`

/** The `text` of a chat-style publication (`{ text: string }`), or undefined for any other data. */
export const textOf = (data: unknown): string | undefined => {
  if (typeof data !== 'object' || data === null || !('text' in data)) return undefined
  return typeof data.text === 'string' ? data.text : undefined
}

/** A short, user-facing description of why something failed. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

/** Whether the hub refused a request (a reply code), as opposed to failing unexpectedly. */
export const isRefusal = (error: unknown): boolean => error instanceof ReplyError

/**
 * Sends lines to `connection` while it is open; once it has closed, lines are dropped, as nobody
 * is left to read them.
 */
export const createLineSender = (connection: TextConnection): ((line: string) => void) => {
  let isOpen = true
  connection.on('close', () => {
    isOpen = false
  })
  return (line) => {
    if (isOpen) connection.send(line)
  }
}
