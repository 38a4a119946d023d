import type { Inbox, NotificationItem, NotifyEvent } from './notify-event.ts'

/** The inbox as the page shows it. */
export interface InboxState {
  /** Newest first; undefined until `notify.list` answered. */
  items: NotificationItem[] | undefined
  /** The server's unread count; undefined until it told one. */
  unread: number | undefined
}

export type InboxAction =
  | { type: 'loaded'; inbox: Inbox }
  | { type: 'event'; event: NotifyEvent }
  /** The subscribe state: the count comes before the list. */
  | { type: 'unread'; unread: number }

export const initialInbox: InboxState = { items: undefined, unread: undefined }

/** The server keeps this many per user; the page keeps no more. */
const MAX_ITEMS = 100

/** Ids are increasing numbers: a larger one is newer. */
const isNewer = (a: NotificationItem, b: NotificationItem): boolean =>
  a.id.length !== b.id.length ? a.id.length > b.id.length : a.id > b.id

/** `items` with `item` in its place (newest first), replacing an older copy of it. */
const withItem = (items: NotificationItem[], item: NotificationItem): NotificationItem[] => {
  const others = items.filter((other) => other.id !== item.id)
  const index = others.findIndex((other) => isNewer(item, other))
  const at = index === -1 ? others.length : index
  return [...others.slice(0, at), item, ...others.slice(at)].slice(0, MAX_ITEMS)
}

/**
 * Applies the list and the channel's events. Events are idempotent (a notification already
 * listed replaces itself), so an event that raced with `notify.list` does no harm; the list,
 * answered after every event the page has seen so far, replaces everything.
 */
export const inboxReducer = (state: InboxState, action: InboxAction): InboxState => {
  switch (action.type) {
    case 'loaded':
      return { items: action.inbox.items.slice(0, MAX_ITEMS), unread: action.inbox.unread }
    case 'unread':
      return { ...state, unread: action.unread }
    case 'event': {
      const { event } = action
      const items = state.items
      switch (event.kind) {
        case 'notification':
          return {
            items: items === undefined ? undefined : withItem(items, event.item),
            unread: event.unread,
          }
        case 'read': {
          const ids = new Set(event.ids)
          return {
            items: items?.map((item) => (ids.has(item.id) ? { ...item, read: true } : item)),
            unread: event.unread,
          }
        }
        case 'dismissed':
          return { items: items?.filter((item) => item.id !== event.id), unread: event.unread }
      }
    }
  }
}
