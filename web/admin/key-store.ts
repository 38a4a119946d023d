/**
 * The API key, kept in `sessionStorage` (this tab only, gone when it closes), never in the URL.
 * When storage is blocked it lives as long as the page.
 */
const KEY = 'hubbub.admin.apiKey'
let memory: string | undefined

const store = (): Storage | undefined => {
  try {
    return window.sessionStorage
  } catch (error) {
    if (error instanceof DOMException) return undefined
    throw error
  }
}

export const readApiKey = (): string | undefined => store()?.getItem(KEY) ?? memory

export const writeApiKey = (key: string | undefined): void => {
  memory = key
  try {
    if (key === undefined) store()?.removeItem(KEY)
    else store()?.setItem(KEY, key)
  } catch (error) {
    if (!(error instanceof DOMException)) throw error
  }
}
