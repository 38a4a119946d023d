import { DecodeError } from './decode.js'
import type { Member, Pub, ServerFrame } from './frames.js'

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isMember = (value: unknown): value is Member =>
  isObject(value) &&
  typeof value.client === 'string' &&
  typeof value.user === 'string' &&
  typeof value.name === 'string'

const isPub = (value: unknown): value is Pub =>
  isObject(value) &&
  typeof value.seq === 'number' &&
  typeof value.epoch === 'string' &&
  typeof value.time === 'number' &&
  'data' in value &&
  (value.from === undefined || isMember(value.from))

/**
 * Parses and validates one text frame from a server, for clients. Throws {@link DecodeError} for
 * anything that is not a well-formed `hubbub.v1` server frame. Results are checked only as far as
 * the frame's envelope; a reply's `result` is the request's business.
 */
export const decodeServerFrame = (text: string): ServerFrame => {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new DecodeError('server frame is not valid JSON', undefined)
  }
  if (!isObject(raw) || typeof raw.type !== 'string')
    throw new DecodeError('server frame must be an object with a "type"', undefined)
  const bad = (what: string): never => {
    throw new DecodeError(`malformed "${String(raw.type)}" frame: ${what}`, undefined)
  }
  const channel = (): string => (typeof raw.channel === 'string' ? raw.channel : bad('channel'))
  switch (raw.type) {
    case 'reply': {
      const { id, error } = raw
      if (typeof id !== 'number') return bad('id')
      if (error !== undefined) {
        if (!isObject(error) || typeof error.code !== 'string' || typeof error.message !== 'string')
          return bad('error')
        return { type: 'reply', id, error: { code: error.code, message: error.message } }
      }
      return { type: 'reply', id, result: raw.result }
    }
    case 'pub':
      return isPub(raw.pub) ? { type: 'pub', channel: channel(), pub: raw.pub } : bad('pub')
    case 'signal':
      return isMember(raw.from)
        ? { type: 'signal', channel: channel(), from: raw.from, data: raw.data }
        : bad('from')
    case 'join':
    case 'leave':
      return isMember(raw.member)
        ? { type: raw.type, channel: channel(), member: raw.member }
        : bad('member')
    case 'members': {
      const { members } = raw
      return Array.isArray(members) && members.every(isMember)
        ? { type: 'members', channel: channel(), members }
        : bad('members')
    }
    case 'unsubscribed':
      return typeof raw.code === 'number' && typeof raw.reason === 'string'
        ? { type: 'unsubscribed', channel: channel(), code: raw.code, reason: raw.reason }
        : bad('code or reason')
    case 'ping':
      return { type: 'ping' }
    default:
      return bad('unknown type')
  }
}
