import { randomHex } from './random.ts'
import { readItem, writeItem } from './storage.ts'

const KEY = 'hubbub.anonId'
/** What the server accepts as an `anonId`. */
const VALID = /^[A-Za-z0-9_-]{1,64}$/

/**
 * This browser's anonymous id, created on first use and kept in local storage: passed to
 * `connect`, it makes every tab and reload one person (`anon:<id>`) to the others.
 */
export const anonId = (): string => {
  const stored = readItem(KEY)
  if (stored !== undefined && VALID.test(stored)) return stored
  const id = randomHex()
  writeItem(KEY, id)
  return id
}
