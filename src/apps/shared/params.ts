import { ErrorCode } from '../../protocol/index.js'
import { ReplyError } from '../../server/index.js'

/** Rpc params as an object: `null` and `undefined` read as `{}`; anything else fails `bad_request`. */
export type Params = Readonly<Record<string, unknown>>

/** Room, counter and board names: 1-64 of A-Z a-z 0-9 _ . - */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

export const badRequest = (message: string): ReplyError =>
  new ReplyError(ErrorCode.BadRequest, message)

/** Validates that rpc `params` is an object (or absent). */
export const readParams = (params: unknown): Params => {
  if (params === null || params === undefined) return {}
  if (typeof params !== 'object' || Array.isArray(params))
    throw badRequest('params must be an object')
  return params as Params
}

/** A lone (unpaired) UTF-16 surrogate: no character, and not encodable as UTF-8 or in a URI. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * A string of `minLength`..`maxLength` characters (UTF-16 units), matching `pattern` if given.
 * A string holding a lone surrogate is no text at all: `bad_request` too.
 */
export const readString = (
  params: Params,
  key: string,
  limits: { minLength?: number; maxLength: number; pattern?: RegExp },
): string => {
  const value = params[key]
  const minLength = limits.minLength ?? 1
  if (typeof value !== 'string') throw badRequest(`${key} must be a string`)
  if (value.length < minLength || value.length > limits.maxLength)
    throw badRequest(`${key} must have ${minLength} to ${limits.maxLength} characters`)
  if (LONE_SURROGATE.test(value)) throw badRequest(`${key} must not hold a lone surrogate`)
  if (limits.pattern !== undefined && !limits.pattern.test(value))
    throw badRequest(`${key} must match ${String(limits.pattern)}`)
  return value
}

/** A name (see {@link NAME_PATTERN}) under `key`. */
export const readName = (params: Params, key: string): string =>
  readString(params, key, { maxLength: 64, pattern: NAME_PATTERN })

/** An integer in `min`..`max`. */
export const readInteger = (params: Params, key: string, min: number, max: number): number => {
  const value = params[key]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw badRequest(`${key} must be an integer from ${min} to ${max}`)
  return value
}

/** A finite number >= 0, or undefined when absent. */
export const readOptionalDuration = (params: Params, key: string): number | undefined => {
  const value = params[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw badRequest(`${key} must be a finite number >= 0`)
  return value
}

export const readBoolean = (params: Params, key: string): boolean => {
  const value = params[key]
  if (typeof value !== 'boolean') throw badRequest(`${key} must be true or false`)
  return value
}

/**
 * The part of `channel` after `prefix` when it is a valid name, for the `state` hooks of
 * `<prefix><name>` channels; otherwise the subscribe fails with `bad_request`.
 */
export const nameOfChannel = (channel: string, prefix: string): string => {
  const name = channel.slice(prefix.length)
  if (!channel.startsWith(prefix) || !NAME_PATTERN.test(name))
    throw badRequest(`"${channel}" is not ${prefix}<name> with a name of 1-64 of A-Z a-z 0-9 _ . -`)
  return name
}
