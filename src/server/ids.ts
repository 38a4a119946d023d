import { randomBytes } from 'node:crypto'

/** A random URL-safe id of `bytes` bytes of entropy (base64url, so 4/3 as many characters). */
export const randomId = (bytes = 9): string => randomBytes(bytes).toString('base64url')
