/**
 * Where the Redis engine keeps things. Every key of one channel carries the channel in a hash tag,
 * so that a channel's keys share one slot (Redis Cluster) while unrelated channels spread out; the
 * full name follows the tag, so two channels whose tags collide still have distinct keys.
 */

/** The keys and the pub/sub channel of one hubbub channel. */
export interface ChannelKeys {
  /** Hash: `e` the epoch, `s` the last seq. */
  readonly meta: string
  /** List of kept publications, oldest first, each `<expiresAtMs> <pub JSON>`. */
  readonly history: string
  /** Hash of presence entries: client id to member JSON. */
  readonly members: string
  /** Sorted set of presence entries: client id scored by its expiry, in ms since the epoch. */
  readonly memberExpiry: string
  /** The pub/sub channel every node subscribed to the channel listens on. */
  readonly topic: string
  /** The key remembering an idempotency key's first position. */
  dedup(key: string): string
}

/** A hash tag may not contain braces: they would end it early. */
const tagOf = (channel: string): string => channel.replace(/[{}]/g, '_')

export const channelKeys = (prefix: string, channel: string): ChannelKeys => {
  const scope = `{${tagOf(channel)}}${channel}`
  return {
    meta: `${prefix}:m:${scope}`,
    history: `${prefix}:h:${scope}`,
    members: `${prefix}:p:${scope}`,
    memberExpiry: `${prefix}:x:${scope}`,
    topic: `${prefix}:t:${scope}`,
    dedup: (key) => `${prefix}:d:${scope}:${String(key.length)}:${key}`,
  }
}

/** The key of an app's state value. */
export const stateKey = (prefix: string, key: string): string => `${prefix}:s:${key}`
