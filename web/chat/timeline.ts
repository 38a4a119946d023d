import type { Pub } from '../../src/client/index.ts'

/** A chat message as shown: from the room (it has a seq) or one of ours on its way. */
export interface ChatMessage {
  kind: 'message'
  id: string
  /** Its place in the room; undefined until the server accepted it. */
  seq?: number
  text: string
  name: string
  /** The author's user id; undefined for a message from the server itself. */
  user?: string
  time: number
  status: 'sent' | 'sending' | 'failed'
  /** Why a `failed` message was not sent. */
  error?: string
  /** The publish key of a message of ours, sent again under the same key when retried. */
  key?: string
}

/** A line about the room itself, such as "Alice joined". */
export interface Notice {
  kind: 'notice'
  id: string
  text: string
  time: number
}

export type TimelineItem = ChatMessage | Notice

/** Items kept; older ones scroll out for good (history has them). */
export const MAX_ITEMS = 500

/** The `text` of a chat publication, or undefined when it is not `{ text: string }`. */
export const messageText = (data: unknown): string | undefined =>
  typeof data === 'object' && data !== null && 'text' in data && typeof data.text === 'string'
    ? data.text
    : undefined

/** A publication as a timeline message, or undefined when it is not a chat message. */
export const fromPub = (pub: Pub): ChatMessage | undefined => {
  const text = messageText(pub.data)
  if (text === undefined) return undefined
  const message: ChatMessage = {
    kind: 'message',
    id: `seq:${pub.seq}`,
    seq: pub.seq,
    text,
    name: pub.from?.name ?? 'Server',
    time: pub.time,
    status: 'sent',
  }
  if (pub.from !== undefined) message.user = pub.from.user
  return message
}

const hasSeq = (items: readonly TimelineItem[], seq: number): boolean =>
  items.some((item) => item.kind === 'message' && item.seq === seq)

const capped = (items: TimelineItem[]): TimelineItem[] =>
  items.length > MAX_ITEMS ? items.slice(items.length - MAX_ITEMS) : items

/** `items` plus `item` at the end. Messages already there (same seq) are not added twice. */
export const append = (items: readonly TimelineItem[], item: TimelineItem): TimelineItem[] =>
  item.kind === 'message' && item.seq !== undefined && hasSeq(items, item.seq)
    ? [...items]
    : capped([...items, item])

/**
 * `items` with earlier messages (history, oldest first) put in seq order before the later
 * messages already shown and before our own still on their way; those already shown are skipped.
 */
export const mergeHistory = (
  items: readonly TimelineItem[],
  earlier: readonly ChatMessage[],
): TimelineItem[] => {
  const merged = [...items]
  for (const message of earlier) {
    const { seq } = message
    if (seq === undefined || hasSeq(merged, seq)) continue
    const before = merged.findIndex(
      (item) => item.kind === 'message' && (item.seq === undefined || item.seq > seq),
    )
    if (before === -1) merged.push(message)
    else merged.splice(before, 0, message)
  }
  return capped(merged)
}

/** `items` with the message `id` changed by `change`. */
export const updateMessage = (
  items: readonly TimelineItem[],
  id: string,
  change: (message: ChatMessage) => ChatMessage,
): TimelineItem[] =>
  items.map((item) => (item.kind === 'message' && item.id === id ? change(item) : item))
