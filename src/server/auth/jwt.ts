import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto'
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { ErrorCode } from '../../protocol/index.js'
import { SERVER_MEMBER } from '../caller.js'
import { ReplyError } from '../errors.js'
import type { Identity, JwtOptions } from '../options.js'

/** Shortest HMAC secret accepted: 256 bits, as HS256 needs (RFC 7518 §3.2). */
export const MIN_JWT_SECRET_LENGTH = 32
/** Longest `sub` accepted; user ids appear in channel names (`notify:<user>`). */
const MAX_SUB_LENGTH = 128
/** Longest display name, as for the connect frame's `name`. */
const MAX_NAME_LENGTH = 64
/** `channels` grants a token may carry. */
const MAX_GRANTS = 64
/** How long fetched JWKS keys are used before they are fetched again. */
const JWKS_CACHE_MAX_AGE_MS = 600_000
const JWKS_TIMEOUT_MS = 5_000

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512']
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
/** What a JWKS may sign with: every asymmetric family, never HMAC (a JWKS is public). */
const JWKS_ALGORITHMS = [...RSA_ALGORITHMS, 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

/** A configuration that cannot work (the message names the option). */
export class JwtConfigError extends Error {
  override readonly name = 'JwtConfigError'
}

/**
 * The algorithms a public key can verify, decided by the key itself, never by a token's header:
 * so a token cannot pick `none`, nor HS256 "signed" with the public key's bytes.
 */
const algorithmsFor = (key: KeyObject): string[] => {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA_ALGORITHMS
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512']
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve
      if (curve === 'prime256v1') return ['ES256']
      if (curve === 'secp384r1') return ['ES384']
      if (curve === 'secp521r1') return ['ES512']
      throw new JwtConfigError(`jwt.publicKey: EC curve ${String(curve)} is not one JWT uses`)
    }
    case 'ed25519':
    case 'ed448':
      return ['EdDSA', 'Ed25519']
    case 'dsa':
    case 'x25519':
    case 'x448':
    case undefined:
      throw new JwtConfigError(
        `jwt.publicKey: a ${String(key.asymmetricKeyType)} key cannot verify JWTs`,
      )
  }
}

/** A PEM public key (SPKI or PKCS#1) or certificate; a private key is refused, not derived from. */
const readPublicKey = (pem: string): KeyObject => {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    throw new JwtConfigError('jwt.publicKey: this is a private key; give the public key')
  try {
    return pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey(pem)
  } catch (err) {
    throw new JwtConfigError(
      `jwt.publicKey: not a PEM public key or certificate (${err instanceof Error ? err.message : String(err)})`,
    )
  }
}

type Verifier = (token: string) => Promise<JWTPayload>

const createVerifier = (options: JwtOptions): Verifier => {
  const sources = [options.secret, options.publicKey, options.jwksUrl].filter(
    (source) => source !== undefined,
  )
  if (sources.length !== 1)
    throw new JwtConfigError('jwt: give exactly one of secret, publicKey and jwksUrl')
  const checks = {
    clockTolerance: (options.clockToleranceMs ?? 5_000) / 1000,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
  }
  if (options.secret !== undefined) {
    if (options.secret.length < MIN_JWT_SECRET_LENGTH)
      throw new JwtConfigError(`jwt.secret must be at least ${MIN_JWT_SECRET_LENGTH} characters`)
    const key = new TextEncoder().encode(options.secret)
    return async (token) =>
      (await jwtVerify(token, key, { ...checks, algorithms: HMAC_ALGORITHMS })).payload
  }
  if (options.publicKey !== undefined) {
    const key = readPublicKey(options.publicKey)
    const algorithms = algorithmsFor(key)
    return async (token) => (await jwtVerify(token, key, { ...checks, algorithms })).payload
  }
  let url: URL
  try {
    url = new URL(options.jwksUrl ?? '')
  } catch {
    throw new JwtConfigError(`jwt.jwksUrl: not a URL: ${String(options.jwksUrl)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new JwtConfigError('jwt.jwksUrl must be an http or https URL')
  const keys: JWTVerifyGetKey = createRemoteJWKSet(url, {
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    timeoutDuration: JWKS_TIMEOUT_MS,
  })
  return async (token) =>
    (await jwtVerify(token, keys, { ...checks, algorithms: JWKS_ALGORITHMS })).payload
}

/** Why jose refused a token, in words a client may see (nothing secret is in them). */
const describe = (err: unknown): string => {
  if (err instanceof errors.JWTExpired) return 'token expired'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token is not valid yet'
    return `token claim ${err.claim} is wrong`
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed'
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid'
  if (err instanceof errors.JWKSNoMatchingKey) return 'token key is unknown'
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return 'token is malformed'
  if (err instanceof errors.JOSENotSupported) return 'token algorithm is not supported'
  return 'invalid token'
}

/** The identity a verified payload stands for; claims of the wrong shape refuse the token. */
const identityOf = (payload: JWTPayload): Identity => {
  const { sub, name, info, channels, exp } = payload
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH)
    throw new ReplyError(
      ErrorCode.Unauthorized,
      `token sub must be a string of 1-${MAX_SUB_LENGTH} characters`,
    )
  // Anonymous ids are the server's to give, and `server` is the server's own: no token claims them.
  if (sub.startsWith('anon:'))
    throw new ReplyError(ErrorCode.Unauthorized, 'token sub must not start with anon:')
  if (sub === SERVER_MEMBER.user)
    throw new ReplyError(ErrorCode.Unauthorized, `token sub "${sub}" is reserved`)
  const identity: Identity = { user: sub }
  if (name !== undefined) {
    if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)
      throw new ReplyError(
        ErrorCode.Unauthorized,
        `token name must be a string of at most ${MAX_NAME_LENGTH} characters`,
      )
    identity.name = name
  }
  if (info !== undefined) identity.info = info
  if (channels !== undefined) {
    if (
      !Array.isArray(channels) ||
      channels.length > MAX_GRANTS ||
      !channels.every((pattern) => typeof pattern === 'string' && pattern !== '')
    )
      throw new ReplyError(
        ErrorCode.Unauthorized,
        `token channels must be a list of at most ${MAX_GRANTS} channel patterns`,
      )
    identity.channels = channels as string[]
  }
  if (exp !== undefined) identity.expiresAt = exp * 1000
  return identity
}

/**
 * Verifies connect tokens as JWTs (with `jose`). The algorithms are pinned by the key: HS256/384/512
 * for a secret, what the key type signs with for a public key, asymmetric ones for a JWKS.
 * `exp` and `nbf` are checked with `clockToleranceMs` of skew, `aud` and `iss` when configured.
 * Claims: `sub` the user id (never `anon:…`), `name` the display name, `info` public data,
 * `channels` grants. A refused token throws `ReplyError(unauthorized)` saying why.
 *
 * Throws {@link JwtConfigError} at once for options that cannot work.
 */
export const createJwtAuthenticator = (
  options: JwtOptions,
): ((token: string) => Promise<Identity>) => {
  const verify = createVerifier(options)
  return async (token) => {
    let payload: JWTPayload
    try {
      payload = await verify(token)
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError))
        throw new ReplyError(ErrorCode.Unavailable, 'could not check the token now, try again')
      throw new ReplyError(ErrorCode.Unauthorized, describe(err))
    }
    return identityOf(payload)
  }
}
