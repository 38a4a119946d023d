import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** What an anonymous connection is: its public user id and the private credential behind it. */
export interface AnonymousIdentity {
  /** `anon:<hash>`: public, shown in presence; it cannot be turned back into the credential. */
  user: string
  /** `a1.<id>.<mac>`: private to its holder; presenting it again makes a connection this user. */
  credential: string
}

/**
 * Issues and checks anonymous credentials (DESIGN §3 with identities the server issued).
 * A credential is a random id with an HMAC of it under the server secret; the public user id is
 * another HMAC of the id, so knowing a user id (from presence, say) gives nothing to present.
 */
export interface AnonymousCredentials {
  /** A fresh identity: 128 random bits. */
  issue(): AnonymousIdentity
  /**
   * The identity a credential stands for, or undefined when this server (with this secret) did
   * not issue it. Constant-time in the MAC; any string is safe to pass.
   */
  verify(credential: string): AnonymousIdentity | undefined
}

const VERSION = 'a1'
const ID_BYTES = 16
const MAC_BYTES = 32
/** 16 base64url characters: 96 bits, ample for a user id that only needs to be unique. */
const USER_CHARS = 16
const BASE64URL = /^[A-Za-z0-9_-]+$/

export const createAnonymousCredentials = (secret: string): AnonymousCredentials => {
  const mac = (purpose: string, id: Buffer): Buffer =>
    createHmac('sha256', secret).update(`hubbub ${purpose} ${VERSION}\0`).update(id).digest()
  const identityOf = (id: Buffer, tag: Buffer): AnonymousIdentity => ({
    user: `anon:${mac('user', id).toString('base64url').slice(0, USER_CHARS)}`,
    credential: `${VERSION}.${id.toString('base64url')}.${tag.toString('base64url')}`,
  })
  return {
    issue() {
      const id = randomBytes(ID_BYTES)
      return identityOf(id, mac('credential', id))
    },
    verify(credential) {
      const [version, idText, tagText, ...rest] = credential.split('.')
      if (version !== VERSION || idText === undefined || tagText === undefined || rest.length > 0)
        return undefined
      if (!BASE64URL.test(idText) || !BASE64URL.test(tagText)) return undefined
      const id = Buffer.from(idText, 'base64url')
      const tag = Buffer.from(tagText, 'base64url')
      if (id.length !== ID_BYTES || tag.length !== MAC_BYTES) return undefined
      const expected = mac('credential', id)
      return timingSafeEqual(tag, expected) ? identityOf(id, expected) : undefined
    },
  }
}
