/**
 * Small values kept in browser storage: `localStorage` (`readItem`, `writeItem`), or this tab's
 * `sessionStorage` (`sessionItems`). Browsers may refuse storage (private modes, blocked
 * cookies): then values live only as long as the page, and the apps still work.
 */
export interface ItemStore {
  read(key: string): string | undefined
  write(key: string, value: string): void
  remove(key: string): void
}

const createItemStore = (storage: () => Storage): ItemStore => {
  const memory = new Map<string, string>()
  const store = (): Storage | undefined => {
    try {
      return storage()
    } catch (error) {
      // A SecurityError when storage is blocked: fall back to memory, as documented above.
      if (error instanceof DOMException) return undefined
      throw error
    }
  }
  /** Quota exceeded or blocked: the in-memory copy still serves this page. */
  const attempt = (change: (store: Storage | undefined) => void): void => {
    try {
      change(store())
    } catch (error) {
      if (!(error instanceof DOMException)) throw error
    }
  }
  return {
    read: (key) => store()?.getItem(key) ?? memory.get(key),
    write(key, value) {
      memory.set(key, value)
      attempt((s) => s?.setItem(key, value))
    },
    remove(key) {
      memory.delete(key)
      attempt((s) => s?.removeItem(key))
    },
  }
}

const localItems = createItemStore(() => window.localStorage)

/** This tab's values: gone when it closes. */
export const sessionItems = createItemStore(() => window.sessionStorage)

export const readItem = (key: string): string | undefined => localItems.read(key)

export const writeItem = (key: string, value: string): void => {
  localItems.write(key, value)
}
