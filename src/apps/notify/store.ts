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
 * Notifications in State, per user, safe when several nodes change one inbox at once: every step
 * is one atomic State call, and whether an item still counts as unread is decided by `incr`, never
 * by reading and then writing. Keys (`<user>` URI-encoded so no two users share a key):
 * - `notify:<user>:next`: the item sequence (ids are its values as strings);
 * - `notify:<user>:item:<n>`: the item, written once and never rewritten (so a read cannot
 *   bring back an item another node dismissed);
 * - `notify:<user>:unread:<n>`: the item's unread flag, 1 while unread. Whoever takes it from 1
 *   to 0 with `incr(-1)` (marking read, dismissing, or forgetting the item) is the one caller
 *   that takes the item off `notify:<user>:unread`; any other caller sees a value below 0 and
 *   changes nothing, also after the flag was deleted (an absent key counts as 0);
 * - `notify:<user>:unread`: the unread count, only ever changed by `incr`.
 * Items stored before the flags existed carry their `read` field and no flag; theirs is taken at
 * -1 and never deleted, so it cannot be taken twice.
 *
 * A user keeps the newest `maxItems`: adding one forgets the one `maxItems` before it. Each
 * operation resolves with the unread count after it.
 */
export interface NotificationStore {
  add(
    user: string,
    draft: { title: string; body: string },
  ): Promise<{ item: NotificationItem; unread: number }>
  /**
   * Marks one item read (a no-op when it is read) or removes it; undefined when there is no such
   * item. `changed` says whether this call took the item off the unread count.
   */
  change(
    user: string,
    id: string,
    action: 'read' | 'dismiss',
  ): Promise<{ unread: number; changed: boolean } | undefined>
  /** Marks every item read; `ids` are the ones this call took off the unread count. */
  markAllRead(user: string): Promise<{ ids: string[]; unread: number }>
  list(user: string): Promise<Inbox>
  unread(user: string): Promise<number>
  /** Deletes the user's whole inbox (when it is evicted to bound the inboxes kept). */
  clear(user: string): Promise<void>
}

const ID = /^[1-9][0-9]{0,15}$/

/** An item as kept: written without `read` since the flags exist, with it before. */
type StoredItem = Omit<NotificationItem, 'read'> & { read?: boolean }

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
      flag: (n: number): string => `${base}:unread:${n}`,
    }
  }
  const readNumber = async (key: string): Promise<number> => {
    const value = await state.get(key)
    return typeof value === 'number' ? value : 0
  }
  const readItem = async (key: string): Promise<StoredItem | undefined> => {
    const value = await state.get(key)
    return isStoredItem(value) ? value : undefined
  }
  const isLegacy = (item: StoredItem): boolean => item.read !== undefined
  /** The item as listed: read unless its flag (or, for an old item without one, its field) says not. */
  const shown = async (
    k: ReturnType<typeof keys>,
    n: number,
    item: StoredItem,
  ): Promise<NotificationItem> => {
    const flag = await state.get(k.flag(n))
    const read = typeof flag === 'number' ? flag <= 0 : item.read !== false
    return { id: item.id, title: item.title, body: item.body, time: item.time, read }
  }
  /** Takes the item off the unread count if nobody has; true for the one caller that did. */
  const take = async (
    k: ReturnType<typeof keys>,
    n: number,
    item: StoredItem,
  ): Promise<boolean> => {
    const left = await state.incr(k.flag(n), -1)
    return isLegacy(item) ? left === -1 && item.read === false : left === 0
  }
  /** Deletes an item and then its flag (an old item's flag stays: it must never be taken again). */
  const remove = async (k: ReturnType<typeof keys>, n: number, item: StoredItem): Promise<void> => {
    await state.delete(k.item(n))
    if (!isLegacy(item)) await state.delete(k.flag(n))
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
      const stored: StoredItem = { id: String(n), ...draft, time: options.now() }
      // Counted first, flagged next, visible last: whoever can see the item finds its flag set,
      // and the count is never below the flags.
      let unread = await state.incr(k.unread, 1)
      await state.set(k.flag(n), 1)
      await state.set(k.item(n), stored)
      const evicted = n - options.maxItems
      if (evicted >= 1) {
        const old = await readItem(k.item(evicted))
        if (old !== undefined) {
          if (await take(k, evicted, old)) unread = await state.incr(k.unread, -1)
          await remove(k, evicted, old)
        }
      }
      return { item: { ...stored, read: false }, unread }
    },
    async change(user, id, action) {
      const k = keys(user)
      const n = numberOf(id)
      const item = n === undefined ? undefined : await readItem(k.item(n))
      if (n === undefined || item === undefined) return undefined
      const changed = await take(k, n, item)
      if (action === 'dismiss') await remove(k, n, item)
      return { unread: await unreadAfter(k.unread, changed ? -1 : 0), changed }
    },
    async markAllRead(user) {
      const k = keys(user)
      const ids: string[] = []
      for (const n of await window(user)) {
        const item = await readItem(k.item(n))
        if (item !== undefined && (await take(k, n, item))) ids.push(item.id)
      }
      return { ids, unread: await unreadAfter(k.unread, -ids.length) }
    },
    async list(user) {
      const k = keys(user)
      const numbers = await window(user)
      const found = await Promise.all(
        numbers.map(async (n) => {
          const item = await readItem(k.item(n))
          return item === undefined ? undefined : await shown(k, n, item)
        }),
      )
      const items = found.filter((item): item is NotificationItem => item !== undefined)
      return { items, unread: await readNumber(k.unread) }
    },
    unread: (user) => readNumber(keys(user).unread),
    async clear(user) {
      const k = keys(user)
      for (const n of await window(user)) {
        await state.delete(k.item(n))
        await state.delete(k.flag(n))
      }
      await state.delete(k.unread)
      await state.delete(k.next)
    },
  }
}

const isStoredItem = (value: unknown): value is StoredItem => {
  if (typeof value !== 'object' || value === null) return false
  const item = value as Record<string, unknown>
  return (
    typeof item.id === 'string' &&
    typeof item.title === 'string' &&
    typeof item.body === 'string' &&
    typeof item.time === 'number' &&
    (item.read === undefined || typeof item.read === 'boolean')
  )
}
