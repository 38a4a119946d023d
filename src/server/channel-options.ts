import { compilePattern, literalLength } from './pattern.js'
/**
 * Who may do something on a channel. `everyone`: any client, anonymous ones too. `users`: clients
 * with a verified token. `owner`: only the user whose id the rule pattern's last `*` matched
 * (`notify:*` on `notify:alice` is alice's); on a pattern without `*`, nobody. `server`: no client
 * (the server, its apps and the HTTP API always may). A token's `channels` grant lifts every level
 * but `server` on the channels it names.
 */
export type Access = 'everyone' | 'users' | 'owner' | 'server'

/** What access levels are set for. */
export type ChannelAction = 'subscribe' | 'publish' | 'presence' | 'history'

/**
 * Access levels per action. `subscribe` covers resuming (`since`); `publish` covers signals;
 * `presence` and `history` default to what `subscribe` is, so that what a client may not
 * subscribe to it cannot read through presence or history either.
 */
export interface ChannelAccess {
  /** @default 'everyone' */
  subscribe?: Access
  /** @default 'everyone' */
  publish?: Access
  /** @default the `subscribe` level */
  presence?: Access
  /** @default the `subscribe` level */
  history?: Access
}

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
  /** Who may subscribe, publish (and signal), read presence and read history: see {@link Access}. */
  access?: ChannelAccess
  /** Slow-socket policy, see {@link BackpressurePolicy}. @default 'recover' */
  backpressure?: BackpressurePolicy
  /**
   * Signals to a socket past its high-water mark: `latest` keeps the newest per sender (cursors),
   * `drop` drops them (typing). @default undefined (`latest` when `backpressure` is, else `drop`)
   */
  signalBackpressure?: 'latest' | 'drop'
  /** How long a publish `key` is remembered for deduplication. @default 120_000 */
  dedupWindowMs?: number
  /**
   * A further check, after `access`, of who may subscribe and read presence and history.
   * @default undefined (whom `access` allows)
   */
  canRead?: ChannelGuard
  /**
   * A further check, after `access`, of who may publish and signal what, e.g. only well-formed
   * cursor signals. @default undefined (whom `access` allows, any data)
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

/** One action's resolved access: the level, and for `owner` whose channel it is. */
export interface ResolvedAccess {
  level: Access
  /** The owner's user id (for `owner`): what the setting rule's last `*` matched. */
  owner: string | undefined
}

export type ResolvedChannelOptions = Required<Omit<ChannelOptions, Hooks | 'access'>> &
  Pick<ChannelOptions, Hooks> & {
    access: Readonly<Record<ChannelAction, ResolvedAccess>>
  }

const everyone: ResolvedAccess = { level: 'everyone', owner: undefined }

export const channelDefaults: ResolvedChannelOptions = {
  historySize: 100,
  historyTtlMs: 600_000,
  presence: true,
  joinLeave: false,
  echo: false,
  backpressure: 'recover',
  dedupWindowMs: 120_000,
  access: { subscribe: everyone, publish: everyone, presence: everyone, history: everyone },
}

interface Rule {
  pattern: string
  matches: RegExp
  options: ChannelOptions
}

/**
 * Channel options by name pattern (`*` matches any run of characters, everything else is
 * literal: `chat:*`, `sys:metrics`). Every matching rule applies, from the least specific (fewest
 * literal characters) to the most specific, each overriding the fields it sets; fields no rule
 * sets keep the defaults. So an operator's `notify:vip-*` that sets `historySize` keeps what the
 * app's `notify:*` says about access and state.
 */
export interface ChannelRules {
  /** Adds a rule; for a pattern already registered, the new fields override the old ones. */
  add(pattern: string, options: ChannelOptions): void
  /** Options for a channel name, resolved against the defaults (cached per name). */
  resolve(channel: string): ResolvedChannelOptions
}

const ACTIONS: readonly ChannelAction[] = ['subscribe', 'publish', 'presence', 'history']

export const createChannelRules = (cacheSize = 10_000): ChannelRules => {
  /** Least specific first: the order in which they apply. */
  const rules: Rule[] = []
  const cache = new Map<string, ResolvedChannelOptions>()
  return {
    add(pattern, options) {
      const existing = rules.find((rule) => rule.pattern === pattern)
      if (existing !== undefined)
        existing.options = {
          ...existing.options,
          ...definedOnly(options),
          access: { ...existing.options.access, ...definedOnly(options.access ?? {}) },
        }
      else rules.push({ pattern, matches: compilePattern(pattern), options })
      rules.sort((a, b) => literalLength(a.pattern) - literalLength(b.pattern))
      cache.clear()
    },
    resolve(channel) {
      const cached = cache.get(channel)
      if (cached !== undefined) return cached
      let resolved: ResolvedChannelOptions = channelDefaults
      const access: Partial<Record<ChannelAction, ResolvedAccess>> = {}
      for (const rule of rules) {
        const match = rule.matches.exec(channel)
        if (match === null) continue
        const { access: levels, ...rest } = rule.options
        resolved = { ...resolved, ...definedOnly(rest) }
        // What the rule's last `*` matched names the owner of channels it makes owner-only.
        const owner = match.length > 1 ? match[match.length - 1] : undefined
        for (const action of ACTIONS) {
          const level = levels?.[action]
          if (level !== undefined) access[action] = { level, owner }
        }
      }
      const subscribe = access.subscribe ?? everyone
      resolved = {
        ...resolved,
        access: {
          subscribe,
          publish: access.publish ?? everyone,
          presence: access.presence ?? subscribe,
          history: access.history ?? subscribe,
        },
      }
      if (cache.size >= cacheSize) cache.clear()
      cache.set(channel, resolved)
      return resolved
    },
  }
}

const definedOnly = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>
