/** How `hubbub chat` shows messages and notices. */
import type { Member } from '../client/node.js'
import type { Palette } from './palette.js'
import { printable } from './printable.js'
import { textOf } from './pub-format.js'

/** `Alice: hello`, the name in the sender's colour (bold for our own); other data as JSON. */
export const formatChatMessage = (
  palette: Palette,
  from: Member | undefined,
  data: unknown,
  isOwn: boolean,
): string => {
  const name = printable(from?.name ?? 'server')
  const styledName = palette.byKey(from?.user ?? '', isOwn ? palette.bold(name) : name)
  const text = textOf(data)
  const shown = text === undefined ? palette.dim(printable(JSON.stringify(data))) : printable(text)
  return `${styledName}: ${shown}`
}

/** `* text`, dimmed: arrivals, departures, reconnects, answers to commands. */
export const formatNotice = (palette: Palette, text: string): string => palette.dim(`* ${text}`)

/** `* text` in red: something did not work. */
export const formatProblem = (palette: Palette, text: string): string => palette.red(`* ${text}`)

/** `Alice`, `Alice and Bob`, `Alice, Bob and Carol`. */
export const joinNames = (names: readonly string[]): string =>
  names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`

/** The chat commands, for `/help`. */
export const chatCommandsHelp = [
  '/who           who is in the room',
  '/room <name>   go to another room',
  '/help          these commands',
  '/quit          leave (also Ctrl+D or Ctrl+C)',
  'start a message with // to send a line that begins with /',
]
