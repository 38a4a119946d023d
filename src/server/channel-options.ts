/** What happens to live messages for a socket whose send buffer is past the high-water mark. */
export type BackpressurePolicy =
  /** Stop live sends, catch up from history when it drains; close 4001 if it fell out of the window. */
  | 'recover'
  /** Keep only the newest message per channel (and per sender, for signals) until it drains. */
  | 'latest'
  /** Drop live messages until it drains. */
  | 'drop'

import type { Member } from '../protocol/index.js'

/**
 * Decides whether a client may read a channel (subscribe, presence, history) or write to it
 * (publish, signal). Return false to refuse with `forbidden`, or throw a `ReplyError` for another
 * code. Server-side calls (the hub API, apps) are never checked.
 */
export type ChannelGuard = (member: Member, channel: string) => boolean | Promise<boolean>

/** A write a {@link ChannelWriteGuard} is asked about. */
export interface ChannelWrite {
  kind: 'publish' | 'signal'
  /** The publication's or signal's data, as the client sent it (untrusted: validate it). */
  data: unknown
}

/** Like {@link ChannelGuard}, for writes: it also sees what is being written. */
export type ChannelWriteGuard = (
  member: Member,
  channel: string,
  write: ChannelWrite,
) => boolean | Promise<boolean>

/** Options of the channels whose names match a pattern. Every field is optional. */
export interface ChannelOptions {
  /** Publications kept for history and resume; 0 keeps none. @default 100 */
  historySize?: number
  /** How long a kept publication stays recoverable. @default 600_000 (10 min) */
  historyTtlMs?: number
  /** Keep a member list that `presence` and `subscribe { presence: true }` return. @default true */
  presence?: boolean
  /** Send `join` and `leave` events to subscribers. @default false */
  joinLeave?: boolean
  /** Deliver a publication to its publishing connection too. @default false */
  echo?: boolean
  /** Whether clients may `publish` and `signal` here (the server API always may). @default true */
  clientPublish?: boolean
  /** Slow-socket policy, see {@link BackpressurePolicy}. @default 'recover' */
  backpressure?: BackpressurePolicy
  /**
   * Signals to a socket past its high-water mark: `latest` keeps the newest per sender (cursors),
   * `drop` drops them (typing). @default undefined (`latest` when `backpressure` is, else `drop`)
   */
  signalBackpressure?: 'latest' | 'drop'
  /** How long a publish `key` is remembered for deduplication. @default 120_000 */
  dedupWindowMs?: number
  /** Who may subscribe, and read presence and history. @default undefined (every client) */
  canRead?: ChannelGuard
  /**
   * Who may publish and signal what (on top of `clientPublish`), e.g. only well-formed cursor
   * signals. @default undefined (every client, any data)
   */
  canWrite?: ChannelWriteGuard
  /**
   * App state sent in the subscribe reply as `state` (for example a counter's value).
   * May return a promise.
   * @default undefined (no state)
   */
  state?: (channel: string) => unknown
}

type Hooks = 'state' | 'canRead' | 'canWrite' | 'signalBackpressure'
export type ResolvedChannelOptions = Required<Omit<ChannelOptions, Hooks>> &
  Pick<ChannelOptions, Hooks>

export const channelDefaults: ResolvedChannelOptions = {
  historySize: 100,
  historyTtlMs: 600_000,
  presence: true,
  joinLeave: false,
  echo: false,
  clientPublish: true,
  backpressure: 'recover',
  dedupWindowMs: 120_000,
}

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

interface Rule {
  pattern: string
  matches: RegExp
  options: ChannelOptions
}

/**
 * Channel options by name pattern: `*` matches any run of characters, everything else is literal
 * (`chat:*`, `sys:metrics`). When several patterns match, the one with the most literal
 * characters wins; unmatched channels get the defaults, which the `*` pattern may override.
 */
export interface ChannelRules {
  /** Adds a rule; a pattern registered twice keeps the later options. */
  add(pattern: string, options: ChannelOptions): void
  /** Options for a channel name, resolved against the defaults (cached per name). */
  resolve(channel: string): ResolvedChannelOptions
}

export const createChannelRules = (cacheSize = 10_000): ChannelRules => {
  const rules: Rule[] = []
  const cache = new Map<string, ResolvedChannelOptions>()
  const literalLength = (pattern: string): number => pattern.replaceAll('*', '').length
  return {
    add(pattern, options) {
      const index = rules.findIndex((rule) => rule.pattern === pattern)
      if (index >= 0) rules.splice(index, 1)
      const source = pattern.split('*').map(escapeRegExp).join('.*')
      rules.push({ pattern, matches: new RegExp(`^${source}$`, 's'), options })
      rules.sort((a, b) => literalLength(b.pattern) - literalLength(a.pattern))
      cache.clear()
    },
    resolve(channel) {
      const cached = cache.get(channel)
      if (cached !== undefined) return cached
      const rule = rules.find((candidate) => candidate.matches.test(channel))
      const resolved = { ...channelDefaults, ...definedOnly(rule?.options ?? {}) }
      if (cache.size >= cacheSize) cache.clear()
      cache.set(channel, resolved)
      return resolved
    },
  }
}

const definedOnly = (options: ChannelOptions): ChannelOptions =>
  Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
