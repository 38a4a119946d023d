/**
 * `hubbub serve --print-config`: the config `hubbub serve` would run with, every source merged
 * (flags > environment > file > defaults), in the config file's own shape, secrets masked. Its
 * output is a config file (bar the masked secrets).
 */
import { serverDefaults } from '../../server/index.js'
import { sqliteDefaults } from '../../engine/sqlite.js'
import { appLimitFlags, type AppLimits } from '../app-limits.js'
import type { LogLevel } from '../logger.js'
import { configSchema, type HubbubConfig } from './hubbub-config.js'
import { numericOptions, type NumericOptionKey } from './numeric-options.js'
import { maskSecrets } from './schema.js'

/** What `hubbub serve` resolved (flags, environment, file), as far as the config shows it. */
export interface ResolvedServe {
  port: number
  host: string | undefined
  memory: boolean
  /** The Redis engine on this URL; undefined: SQLite or memory. */
  redisUrl: string | undefined
  /** Absolute path of the data directory (unused with `memory`). */
  dataDir: string
  logLevel: LogLevel
  /** Server limits given as flags or environment variables; the file's are in `config`. */
  limits: Partial<Record<NumericOptionKey, number>>
  /** The bundled apps' bounds given as flags or environment variables. */
  appLimits: AppLimits
  /** Undefined: the data directory's (or, with memory, a random one). */
  secret: string | undefined
  /** JWT settings as the config file writes them; undefined: tokens are refused. */
  jwtSettings: HubbubConfig['jwt']
  /** The config file, read and validated; empty without one. */
  config: HubbubConfig
  /** Undefined: plain http and ws. */
  tlsFiles: { cert: string; key: string } | undefined
  network: { allowedOrigins?: string[]; publicHosts?: string[]; trustProxy?: boolean }
  /** Undefined: the HTTP API is off. */
  apiKey: string | undefined
  /** `/metrics`, and whether it needs the API key, as resolved. */
  metrics: { metrics: boolean; metricsRequireKey: boolean }
}

export const effectiveConfig = (resolved: ResolvedServe): HubbubConfig => {
  const { config, limits, network } = resolved
  const kind = resolved.memory ? 'memory' : resolved.redisUrl !== undefined ? 'redis' : 'sqlite'
  const engine: NonNullable<HubbubConfig['engine']> = { kind }
  // The data directory holds the server secret even with Redis.
  if (kind !== 'memory') engine.dataDir = resolved.dataDir
  if (resolved.redisUrl !== undefined) engine.redisUrl = resolved.redisUrl
  const effective: HubbubConfig = {
    port: resolved.port,
    logLevel: resolved.logLevel,
    engine,
    anonymous: config.anonymous ?? serverDefaults.anonymous,
    allowedOrigins: network.allowedOrigins ?? serverDefaults.allowedOrigins,
    publicHosts: network.publicHosts ?? serverDefaults.publicHosts,
    trustProxy: network.trustProxy ?? serverDefaults.trustProxy,
    channels: config.channels ?? {},
    webhooks: config.webhooks ?? [],
    ...resolved.metrics,
  }
  if (resolved.host !== undefined) effective.host = resolved.host
  if (resolved.secret !== undefined) effective.secret = resolved.secret
  if (resolved.apiKey !== undefined) effective.apiKey = resolved.apiKey
  if (resolved.jwtSettings !== undefined) effective.jwt = resolved.jwtSettings
  if (resolved.tlsFiles !== undefined) effective.tls = resolved.tlsFiles
  for (const { option } of numericOptions) {
    const fallback =
      option === 'maxHistoryBytes' && kind === 'sqlite'
        ? sqliteDefaults.maxHistoryBytes
        : serverDefaults[option]
    effective[option] = limits[option] ?? config[option] ?? fallback
  }
  for (const { option, defaultValue } of appLimitFlags)
    effective[option] = resolved.appLimits[option] ?? config[option] ?? defaultValue
  return effective
}

/** The config as `--print-config` prints it: JSON, two-space indented, secrets masked. */
export const printableConfig = (config: HubbubConfig): string => {
  // In the schema's order (the docs' order), not the order the keys were set in.
  const ordered = Object.fromEntries(
    Object.keys(configSchema.fields).flatMap((key) =>
      key in config ? [[key, config[key as keyof HubbubConfig]]] : [],
    ),
  )
  return JSON.stringify(maskSecrets(configSchema, ordered), null, 2)
}
