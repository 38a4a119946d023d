/**
 * The notify app's data as docs/apps.md describes it, decoded from what the server sent: inbox
 * items, `notify.list`'s result and the {@link NotifyEvent}s of `notify:<user>`. Anything off the
 * shape decodes as undefined.
 */

export interface NotificationItem {
  /** "1", "2", … per user; never reused. */
  id: string
  title: string
  body: string
  /** When it was sent, ms since the Unix epoch. */
  time: number
  read: boolean
}

/** A user's notifications, newest first, and how many are unread. */
export interface Inbox {
  items: NotificationItem[]
  unread: number
}

/** Every kind carries the user's unread count after the change. */
export type NotifyEvent =
  | { kind: 'notification'; item: NotificationItem; unread: number }
  | { kind: 'read'; ids: string[]; unread: number }
  | { kind: 'dismissed'; id: string; unread: number }

type Fields = Record<string, unknown>

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0

export const decodeItem = (value: unknown): NotificationItem | undefined => {
  if (!isFields(value)) return undefined
  const { id, title, body, time, read } = value
  if (typeof id !== 'string' || typeof title !== 'string' || typeof body !== 'string')
    return undefined
  if (typeof time !== 'number' || !Number.isFinite(time) || typeof read !== 'boolean')
    return undefined
  return { id, title, body, time, read }
}

export const decodeInbox = (value: unknown): Inbox | undefined => {
  if (!isFields(value) || !Array.isArray(value.items) || !isCount(value.unread)) return undefined
  const items: NotificationItem[] = []
  for (const raw of value.items) {
    const item = decodeItem(raw)
    if (item === undefined) return undefined
    items.push(item)
  }
  return { items, unread: value.unread }
}

/** The `unread` of a subscribe state or an rpc result. */
export const decodeUnread = (value: unknown): number | undefined =>
  isFields(value) && isCount(value.unread) ? value.unread : undefined

export const decodeEvent = (value: unknown): NotifyEvent | undefined => {
  if (!isFields(value)) return undefined
  const unread = decodeUnread(value)
  if (unread === undefined) return undefined
  switch (value.kind) {
    case 'notification': {
      const item = decodeItem(value.item)
      return item === undefined ? undefined : { kind: 'notification', item, unread }
    }
    case 'read': {
      const { ids } = value
      if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string'))
        return undefined
      return { kind: 'read', ids, unread }
    }
    case 'dismissed':
      return typeof value.id === 'string' ? { kind: 'dismissed', id: value.id, unread } : undefined
    default:
      return undefined
  }
}
