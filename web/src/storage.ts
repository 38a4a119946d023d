/**
 * Small values kept in `localStorage`. Browsers may refuse storage (private modes, blocked
 * cookies): then values live only as long as the page, and the apps still work.
 */
const memory = new Map<string, string>()

const store = (): Storage | undefined => {
  try {
    return window.localStorage
  } catch (error) {
    // A SecurityError when storage is blocked: fall back to memory, as documented above.
    if (error instanceof DOMException) return undefined
    throw error
  }
}

export const readItem = (key: string): string | undefined =>
  store()?.getItem(key) ?? memory.get(key)

export const writeItem = (key: string, value: string): void => {
  memory.set(key, value)
  try {
    store()?.setItem(key, value)
  } catch (error) {
    // Quota exceeded or blocked: the in-memory copy above still serves this page.
    if (!(error instanceof DOMException)) throw error
  }
}
