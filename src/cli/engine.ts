/**
 * Which storage engine `hubbub serve` runs: SQLite in the data directory unless `--memory` asks
 * for the in-memory one, or `--redis` for the Redis engine that several nodes share.
 */
import { join } from 'node:path'
import { createMemoryEngine } from '../engine/memory.js'
import { createRedisEngine } from '../engine/redis/index.js'
import { createSqliteEngine } from '../engine/sqlite.js'
import type { Engine } from '../engine/types.js'
import { assertNever } from '../protocol/index.js'

export type EngineKind = 'sqlite' | 'memory' | 'redis'

/** What the command line asked for. */
export interface EngineFlags {
  /** `--memory`: keep everything in memory, lost on exit. */
  memory: boolean
  /** `--redis <url>`: the Redis engine. */
  redisUrl?: string | undefined
}

/** The engine used when no flag picks one. */
export const defaultEngineKind: EngineKind = 'sqlite'

/** Picks the engine kind from the flags; flags win over the default. */
export const selectEngineKind = (flags: EngineFlags): EngineKind =>
  flags.memory ? 'memory' : flags.redisUrl !== undefined ? 'redis' : defaultEngineKind

/** Whether `url` names a Redis: `redis://` or `rediss://` with a host. */
export const isRedisUrl = (url: string): boolean => {
  try {
    const parsed = new URL(url)
    return (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') && parsed.hostname !== ''
  } catch {
    return false
  }
}

/** The SQLite database file inside a data directory. */
export const databaseFile = (dataDir: string): string => join(dataDir, 'hubbub.db')

/** Where and how the engine keeps its data. */
export interface EngineSettings {
  /** The data directory (SQLite only). */
  dataDir: string
  /** The Redis URL (Redis only). */
  redisUrl?: string | undefined
  /** Receives errors of the engine's background work (SQLite's sweep). */
  onError: (error: Error) => void
  /** Bound on the engine's history bytes (`--max-history-bytes`). @default the engine's */
  maxHistoryBytes?: number | undefined
}

/**
 * Creates a fresh engine of `kind`; the server starts and closes it. SQLite opens (creating
 * them if needed) the data directory and its database file now, throwing `SqliteOpenError` when
 * it cannot.
 */
export const createEngine = (kind: EngineKind, settings: EngineSettings): Engine => {
  switch (kind) {
    case 'sqlite':
      return createSqliteEngine({
        file: databaseFile(settings.dataDir),
        onError: settings.onError,
        ...(settings.maxHistoryBytes === undefined
          ? {}
          : { maxHistoryBytes: settings.maxHistoryBytes }),
      })
    case 'redis':
      if (settings.redisUrl === undefined) throw new Error('the Redis engine needs a URL')
      return createRedisEngine({ url: settings.redisUrl, onError: settings.onError })
    case 'memory':
      return settings.maxHistoryBytes === undefined
        ? createMemoryEngine()
        : createMemoryEngine({ maxHistoryBytes: settings.maxHistoryBytes })
    default:
      return assertNever(kind)
  }
}
