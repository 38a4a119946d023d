import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

const BEARER = /^Bearer +(\S+) *$/i

/**
 * A check of `Authorization` headers against `key`: true only for `Bearer <key>`. Both sides are
 * hashed first, so the comparison takes the same time whatever the length or content presented.
 */
export const createBearerCheck = (key: string): ((header: string | undefined) => boolean) => {
  const expected = digest(key)
  return (header) => {
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1]
    // Hash something even without a key, so a missing header costs what a wrong one does.
    const isEqual = timingSafeEqual(digest(presented ?? ''), expected)
    return presented !== undefined && isEqual
  }
}
