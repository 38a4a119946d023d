import type { ClientFrame, Position } from './frames.js'

/** Why a frame was refused. `id` is the request id when the frame had a usable one. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError'
  constructor(
    message: string,
    readonly id: number | undefined,
  ) {
    super(message)
  }
}

/** Limits applied while decoding untrusted frames. */
export interface DecodeLimits {
  /** Deepest nesting of objects and arrays allowed in `data` and `params`. */
  maxDepth: number
  /** Longest channel name, in UTF-16 code units. */
  maxChannelLength: number
}

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isRequestId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

// Control characters make channel names unreadable in logs and ambiguous in keys.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** Depth of nested objects/arrays, giving up (returning limit + 1) once past `limit`. */
export const depthOf = (root: unknown, limit: number): number => {
  let deepest = 0
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item
    if (typeof value !== 'object' || value === null) continue
    const here = depth + 1
    if (here > limit) return here
    if (here > deepest) deepest = here
    for (const child of Array.isArray(value) ? value : Object.values(value))
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: here })
  }
  return deepest
}

/**
 * What is wrong with `value` as a channel name (a phrase such as `must be a non-empty string`,
 * to follow the field's name), or undefined when it is a valid one.
 */
export const channelProblem = (value: unknown, maxChannelLength: number): string | undefined => {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string'
  if (value.length > maxChannelLength) return `is longer than ${maxChannelLength} characters`
  if (CONTROL.test(value)) return 'must not contain control characters'
  return undefined
}

/** Whether `value` is a stream position `{ epoch, seq }` as `since` fields carry them. */
export const isPosition = (value: unknown): value is Position =>
  isObject(value) &&
  typeof value.epoch === 'string' &&
  value.epoch.length <= 64 &&
  typeof value.seq === 'number' &&
  Number.isSafeInteger(value.seq) &&
  value.seq >= 0

/**
 * Parses and validates one text frame from a client. Throws {@link DecodeError} (never anything
 * else) for invalid JSON, an unknown `type`, or missing and wrongly typed fields.
 */
export const decodeClientFrame = (text: string, limits: DecodeLimits): ClientFrame => {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new DecodeError('frame is not valid JSON', undefined)
  }
  if (!isObject(raw)) throw new DecodeError('frame must be a JSON object', undefined)
  const id = isRequestId(raw.id) ? raw.id : undefined
  const fail = (message: string): never => {
    throw new DecodeError(message, id)
  }
  const type = raw.type
  if (typeof type !== 'string') return fail('frame needs a string "type"')

  const requireId = (): number =>
    id ?? fail(`"${type}" needs an "id": a non-negative integer the reply will echo`)
  const optionalString = (field: string, maxLength: number): string | undefined => {
    const value = raw[field]
    if (value === undefined) return undefined
    if (typeof value !== 'string') return fail(`"${field}" must be a string`)
    if (value.length > maxLength) return fail(`"${field}" is longer than ${maxLength} characters`)
    return value
  }
  const channel = (): string => {
    const value = raw.channel
    const problem = channelProblem(value, limits.maxChannelLength)
    return problem === undefined ? (value as string) : fail(`"channel" ${problem}`)
  }
  const payload = (field: string): unknown => {
    if (!(field in raw)) return fail(`"${type}" needs "${field}"`)
    const value = raw[field]
    if (depthOf(value, limits.maxDepth) > limits.maxDepth)
      return fail(`"${field}" is nested deeper than ${limits.maxDepth} levels`)
    return value
  }
  const since = (): Position | undefined => {
    const value = raw.since
    if (value === undefined || value === null) return undefined
    if (!isPosition(value))
      return fail('"since" must be { epoch: string, seq: non-negative integer }')
    return { epoch: value.epoch, seq: value.seq }
  }
  const optionalBoolean = (field: string): boolean | undefined => {
    const value = raw[field]
    if (value === undefined) return undefined
    if (typeof value !== 'boolean') return fail(`"${field}" must be a boolean`)
    return value
  }

  switch (type) {
    case 'connect': {
      const frame: ClientFrame = { type, id: requireId() }
      const token = optionalString('token', 8192)
      const name = optionalString('name', 256)
      const credential = optionalString('credential', 256)
      if (token !== undefined) frame.token = token
      if (name !== undefined) frame.name = name
      if (credential !== undefined) frame.credential = credential
      const batch = optionalBoolean('batch')
      if (batch !== undefined) frame.batch = batch
      return frame
    }
    case 'subscribe': {
      const frame: ClientFrame = { type, id: requireId(), channel: channel() }
      const position = since()
      const presence = optionalBoolean('presence')
      if (position !== undefined) frame.since = position
      if (presence !== undefined) frame.presence = presence
      return frame
    }
    case 'unsubscribe':
    case 'presence':
      return { type, id: requireId(), channel: channel() }
    case 'publish': {
      const frame: ClientFrame = {
        type,
        id: requireId(),
        channel: channel(),
        data: payload('data'),
      }
      const key = optionalString('key', 256)
      if (key !== undefined) frame.key = key
      return frame
    }
    case 'signal':
      return { type, channel: channel(), data: payload('data') }
    case 'history': {
      const frame: ClientFrame = { type, id: requireId(), channel: channel() }
      const position = since()
      const reverse = optionalBoolean('reverse')
      const limit = raw.limit
      if (limit !== undefined) {
        if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)
          return fail('"limit" must be a non-negative integer')
        frame.limit = limit
      }
      if (position !== undefined) frame.since = position
      if (reverse !== undefined) frame.reverse = reverse
      return frame
    }
    case 'rpc': {
      const method = raw.method
      if (typeof method !== 'string' || method.length === 0 || method.length > 128)
        return fail('"method" must be a non-empty string of at most 128 characters')
      return {
        type,
        id: requireId(),
        method,
        params: raw.params === undefined ? null : payload('params'),
      }
    }
    case 'pong':
      return { type }
    case 'refresh': {
      const token = optionalString('token', 8192)
      if (token === undefined || token === '') return fail('"refresh" needs a non-empty "token"')
      return { type, id: requireId(), token }
    }
    default:
      return fail(`unknown frame type "${type.slice(0, 32)}"`)
  }
}
