/**
 * `hubbub serve --config FILE`: server options in a JSON file, validated before anything starts.
 * Each mistake (unknown key, wrong type, out of range) is one line naming where it is, e.g.
 * `hubbub.json: channels["team:*"].access.publish: expected one of everyone, users, owner, server`.
 * Flags and environment variables override what the file says.
 */
import { readFileSync } from 'node:fs'
import type { Access, ChannelAccess, ChannelOptions, ServerOptions } from '../server/index.js'
import { serverDefaults } from '../server/index.js'
import { appLimitFlags, type AppLimits } from './app-limits.js'

/** A config file that cannot be used; the message names the file and the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** What a config file may set. */
export type ConfigOptions = Pick<
  ServerOptions,
  'anonymous' | 'channels' | 'allowedOrigins' | 'publicHosts' | 'trustProxy'
> &
  Partial<Record<TuningKey, number>> & {
    /** The bundled apps' bounds, from the keys of `appLimitFlags` (src/cli/app-limits.ts). */
    appLimits?: AppLimits
  }

/** The whole-number server limits a config file may set, with their smallest allowed value. */
const TUNING = {
  pingIntervalMs: 1_000,
  pongTimeoutMs: 1,
  connectTimeoutMs: 1,
  maxFrameBytes: 1,
  maxFragmentsPerMessage: 1,
  maxHeaderBytes: 1_024,
  maxPublishBytes: 1,
  maxPongBytes: 15,
  maxChannelsPerConnection: 1,
  maxChannelLength: 1,
  maxDataDepth: 1,
  requestsPerSecond: 1,
  requestBurst: 1,
  maxRateLimitedFrames: 1,
  maxInvalidFrames: 1,
  abuseWindowMs: 1,
  maxConnections: 1,
  maxConnectionsPerIp: 1,
  maxPendingHeadersPerIp: 1,
  maxPendingConnectsPerIp: 1,
  headersTimeoutMs: 100,
  reservedFileDescriptors: 0,
  maxFailureLogLines: 1,
  failureLogWindowMs: 1_000,
  sendHighWaterBytes: 1,
  maxBufferedBytes: 1,
  catchUpCacheBytes: 0,
  maxBatchBytes: 0,
  presenceTtlMs: 1_000,
  maxPresenceEventsPerSecond: 1,
  shutdownTimeoutMs: 0,
  shutdownSpreadMs: 0,
  newChannelsPerSecond: 1,
  newChannelBurst: 1,
  newChannelsPerSecondPerIp: 1,
  newChannelBurstPerIp: 1,
  maxHistoryBytes: 65_536,
} as const satisfies Partial<Record<keyof typeof serverDefaults, number>>
type TuningKey = keyof typeof TUNING

const ACCESS_LEVELS: readonly Access[] = ['everyone', 'users', 'owner', 'server']
const ACTIONS: readonly (keyof ChannelAccess)[] = ['subscribe', 'publish', 'presence', 'history']
const BACKPRESSURE = ['recover', 'latest', 'drop'] as const
/** Longest timer Node takes. */
const MAX_MS = 2_147_483_647

type Json = unknown

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Validates one file's parsed JSON; `where` prefixes every message (the file name). */
class Reader {
  readonly #where: string

  constructor(where: string) {
    this.#where = where
  }

  fail(path: string, expected: string): never {
    throw new ConfigError(`${this.#where}: ${path}: ${expected}`)
  }

  object(value: Json, path: string, keys: readonly string[]): Record<string, Json> {
    if (!isObject(value)) this.fail(path, 'expected an object')
    for (const key of Object.keys(value))
      if (!keys.includes(key))
        this.fail(path === '' ? key : `${path}.${key}`, `unknown key (known: ${keys.join(', ')})`)
    return value
  }

  boolean(value: Json, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'expected true or false')
    return value
  }

  integer(value: Json, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.fail(path, `expected a whole number from ${min} to ${max}`)
    return value
  }

  strings(value: Json, path: string): string[] {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== ''))
      this.fail(path, 'expected a list of non-empty strings')
    return value as string[]
  }

  choice<T extends string>(value: Json, path: string, choices: readonly T[]): T {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
      this.fail(path, `expected one of ${choices.join(', ')}`)
    return value as T
  }
}

const CHANNEL_KEYS = [
  'historySize',
  'historyTtlMs',
  'presence',
  'joinLeave',
  'echo',
  'backpressure',
  'signalBackpressure',
  'dedupWindowMs',
  'access',
] as const

const readChannel = (read: Reader, raw: Json, path: string): ChannelOptions => {
  const value = read.object(raw, path, CHANNEL_KEYS)
  const options: ChannelOptions = {}
  for (const key of CHANNEL_KEYS) {
    const field = value[key]
    if (field === undefined) continue
    const at = `${path}.${key}`
    switch (key) {
      case 'historySize':
        options.historySize = read.integer(field, at, 0, 1_000_000)
        break
      case 'historyTtlMs':
        options.historyTtlMs = read.integer(field, at, 1, MAX_MS)
        break
      case 'dedupWindowMs':
        options.dedupWindowMs = read.integer(field, at, 0, MAX_MS)
        break
      case 'presence':
      case 'joinLeave':
      case 'echo':
        options[key] = read.boolean(field, at)
        break
      case 'backpressure':
        options.backpressure = read.choice(field, at, BACKPRESSURE)
        break
      case 'signalBackpressure':
        options.signalBackpressure = read.choice(field, at, ['latest', 'drop'] as const)
        break
      case 'access': {
        const levels = read.object(field, at, ACTIONS)
        const access: ChannelAccess = {}
        for (const action of ACTIONS)
          if (levels[action] !== undefined)
            access[action] = read.choice(levels[action], `${at}.${action}`, ACCESS_LEVELS)
        options.access = access
        break
      }
    }
  }
  return options
}

const TOP_KEYS = [
  'anonymous',
  'channels',
  'allowedOrigins',
  'publicHosts',
  'trustProxy',
  ...(Object.keys(TUNING) as TuningKey[]),
  ...appLimitFlags.map(({ option }) => option),
]

/** Validates parsed JSON as config options; `where` names the source in messages. */
export const parseConfig = (raw: Json, where: string): ConfigOptions => {
  const read: Reader = new Reader(where)
  const value = read.object(raw, '', TOP_KEYS)
  const config: ConfigOptions = {}
  if (value.anonymous !== undefined) config.anonymous = read.boolean(value.anonymous, 'anonymous')
  if (value.trustProxy !== undefined)
    config.trustProxy = read.boolean(value.trustProxy, 'trustProxy')
  if (value.allowedOrigins !== undefined)
    config.allowedOrigins = read.strings(value.allowedOrigins, 'allowedOrigins')
  if (value.publicHosts !== undefined)
    config.publicHosts = read.strings(value.publicHosts, 'publicHosts')
  if (value.channels !== undefined) {
    if (!isObject(value.channels)) read.fail('channels', 'expected an object of patterns')
    const channels: Record<string, ChannelOptions> = {}
    for (const [pattern, options] of Object.entries(value.channels)) {
      if (pattern === '') read.fail('channels', 'a pattern must not be empty')
      channels[pattern] = readChannel(read, options, `channels[${JSON.stringify(pattern)}]`)
    }
    config.channels = channels
  }
  for (const [key, min] of Object.entries(TUNING) as [TuningKey, number][])
    if (value[key] !== undefined) config[key] = read.integer(value[key], key, min)
  for (const { option, min } of appLimitFlags)
    if (value[option] !== undefined)
      config.appLimits = { ...config.appLimits, [option]: read.integer(value[option], option, min) }
  return config
}

/** Reads and validates a config file; throws {@link ConfigError} saying what is wrong. */
export const readConfigFile = (file: string): ConfigOptions => {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `cannot read the config file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  let raw: Json
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(
      `${file}: not JSON (${error instanceof Error ? error.message : String(error)})`,
    )
  }
  return parseConfig(raw, file)
}
