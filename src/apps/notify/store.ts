import type { State } from '../../server/index.js'

/** One notification as `notify.list` returns it. `time` is ms since the Unix epoch. */
export interface NotificationItem {
  id: string
  title: string
  body: string
  time: number
  read: boolean
}

/** The newest `maxItems` notifications of one user, newest first, and how many are unread. */
export interface Inbox {
  items: NotificationItem[]
  unread: number
}

/**
 * Notifications in State, per user: a sequence number (`notify:<user>:next`, ids are its values
 * as strings), one key per item (`notify:<user>:item:<n>`) and the unread count
 * (`notify:<user>:unread`); `<user>` is URI-encoded so no two users share a key. A user keeps
 * the newest `maxItems`: adding one forgets the one `maxItems` before it.
 *
 * The read-modify-write steps are not atomic: callers run one user's operations one at a time
 * (on one node). Each operation resolves with the unread count after it.
 */
export interface NotificationStore {
  add(
    user: string,
    draft: { title: string; body: string },
  ): Promise<{ item: NotificationItem; unread: number }>
  /**
   * Marks one item read (a no-op when it is read) or removes it; undefined when there is no such
   * item.
   */
  change(
    user: string,
    id: string,
    action: 'read' | 'dismiss',
  ): Promise<{ unread: number } | undefined>
  /** Marks every item read; `ids` are the ones that were unread. */
  markAllRead(user: string): Promise<{ ids: string[]; unread: number }>
  list(user: string): Promise<Inbox>
  unread(user: string): Promise<number>
  /** Deletes the user's whole inbox (when it is evicted to bound the inboxes kept). */
  clear(user: string): Promise<void>
}

const ID = /^[1-9][0-9]{0,15}$/

export const createNotificationStore = (
  state: State,
  options: { maxItems: number; now: () => number },
): NotificationStore => {
  const keys = (user: string) => {
    const base = `notify:${encodeURIComponent(user)}`
    return {
      next: `${base}:next`,
      unread: `${base}:unread`,
      item: (n: number): string => `${base}:item:${n}`,
    }
  }
  const readNumber = async (key: string): Promise<number> => {
    const value = await state.get(key)
    return typeof value === 'number' ? value : 0
  }
  const readItem = async (key: string): Promise<NotificationItem | undefined> => {
    const value = await state.get(key)
    return isItem(value) ? value : undefined
  }
  const numberOf = (id: string): number | undefined => (ID.test(id) ? Number(id) : undefined)
  /** The item numbers that may still exist, newest first. */
  const window = async (user: string): Promise<number[]> => {
    const next = await readNumber(keys(user).next)
    const count = Math.min(next, options.maxItems)
    return Array.from({ length: count }, (_, i) => next - i)
  }
  const unreadAfter = (key: string, delta: number): Promise<number> =>
    delta === 0 ? readNumber(key) : state.incr(key, delta)

  return {
    async add(user, draft) {
      const k = keys(user)
      const n = await state.incr(k.next, 1)
      const item: NotificationItem = { id: String(n), ...draft, time: options.now(), read: false }
      await state.set(k.item(n), item)
      let delta = 1
      const evicted = n - options.maxItems
      if (evicted >= 1) {
        const old = await readItem(k.item(evicted))
        if (old !== undefined) {
          if (!old.read) delta -= 1
          await state.delete(k.item(evicted))
        }
      }
      return { item, unread: await unreadAfter(k.unread, delta) }
    },
    async change(user, id, action) {
      const k = keys(user)
      const n = numberOf(id)
      const item = n === undefined ? undefined : await readItem(k.item(n))
      if (n === undefined || item === undefined) return undefined
      if (action === 'dismiss') await state.delete(k.item(n))
      else if (!item.read) await state.set(k.item(n), { ...item, read: true })
      return { unread: await unreadAfter(k.unread, item.read ? 0 : -1) }
    },
    async markAllRead(user) {
      const k = keys(user)
      const ids: string[] = []
      for (const n of await window(user)) {
        const item = await readItem(k.item(n))
        if (item === undefined || item.read) continue
        await state.set(k.item(n), { ...item, read: true })
        ids.push(item.id)
      }
      return { ids, unread: await unreadAfter(k.unread, -ids.length) }
    },
    async list(user) {
      const k = keys(user)
      const found = await Promise.all((await window(user)).map((n) => readItem(k.item(n))))
      const items = found.filter((item): item is NotificationItem => item !== undefined)
      return { items, unread: await readNumber(k.unread) }
    },
    unread: (user) => readNumber(keys(user).unread),
    async clear(user) {
      const k = keys(user)
      for (const n of await window(user)) await state.delete(k.item(n))
      await state.delete(k.unread)
      await state.delete(k.next)
    },
  }
}

const isItem = (value: unknown): value is NotificationItem => {
  if (typeof value !== 'object' || value === null) return false
  const item = value as Record<string, unknown>
  return (
    typeof item.id === 'string' &&
    typeof item.title === 'string' &&
    typeof item.body === 'string' &&
    typeof item.time === 'number' &&
    typeof item.read === 'boolean'
  )
}
