import { sessionItems } from '../src/storage.ts'

/**
 * The API key, kept in `sessionStorage` (this tab only, gone when it closes), never in the URL.
 * When storage is blocked it lives as long as the page.
 */
const KEY = 'hubbub.admin.apiKey'

export const readApiKey = (): string | undefined => sessionItems.read(KEY)

export const writeApiKey = (key: string | undefined): void => {
  if (key === undefined) sessionItems.remove(KEY)
  else sessionItems.write(KEY, key)
}
