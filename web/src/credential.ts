import type { Client } from '../../src/client/index.ts'
import { readItem, writeItem } from './storage.ts'

const KEY = 'hubbub.credential'

/**
 * This browser's anonymous credential, as the server issued it on a first visit, from local
 * storage: passed to `connect`, it makes every tab and reload one person to the others. It is
 * private (it is what makes you this user); the public user id it stands for proves nothing.
 */
export const storedCredential = (): string | undefined => readItem(KEY)

/** Keeps whatever credential the server issues this client, for the next page load. */
export const keepCredential = (client: Client): void => {
  client.on('connected', ({ credential }) => {
    if (credential !== undefined && credential !== storedCredential()) writeItem(KEY, credential)
  })
}
