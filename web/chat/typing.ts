/** Signal data a chat page sends while its person types: `{ typing: true }`, then `false`. */
export interface TypingSignal {
  typing: boolean
}

/** Typing signals sent at most this often while someone keeps typing. */
export const TYPING_SIGNAL_INTERVAL_MS = 1_000
/** Typing stops counting this long after the last keystroke: the sender then says `false`. */
export const TYPING_IDLE_MS = 2_000
/**
 * How long the others show "typing" after the last `true` without hearing `false` (a closed tab):
 * the idle time plus one signal interval, so a person still typing never flickers off.
 */
export const TYPING_EXPIRY_MS = TYPING_IDLE_MS + TYPING_SIGNAL_INTERVAL_MS

export const isTypingSignal = (data: unknown): data is TypingSignal =>
  typeof data === 'object' && data !== null && 'typing' in data && typeof data.typing === 'boolean'

/** The typing line for these names, or '' when nobody types. */
export const describeTypists = (names: readonly string[]): string => {
  const [first, second] = names
  if (first === undefined) return ''
  if (second === undefined) return `${first} is typing…`
  if (names.length === 2) return `${first} and ${second} are typing…`
  return 'Several people are typing…'
}
