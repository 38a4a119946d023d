/**
 * The SQLite engine, the default of `hubbub serve`: one node, one database file (better-sqlite3,
 * WAL). History, epochs, idempotency keys and state survive a restart, so clients resume across
 * one; presence stays in memory (members reconnect anyway). Publications are delivered to this
 * process's subscribers in-process, after the transaction that keeps them commits; the writes of
 * one event-loop turn share one transaction.
 */
import type { Database } from 'better-sqlite3'
import type { Member } from '../protocol/index.js'
import { createMemoryEngine } from './memory.js'
import { HistoryBound } from './sqlite-bound.js'
import { SqliteBroker } from './sqlite-broker.js'
import { CommitQueue } from './sqlite-commit.js'
import { createLocalNode, whenOpen, type LocalNode } from './sqlite-node.js'
import { openDatabase } from './sqlite-open.js'
import { SqliteState } from './sqlite-state.js'
import { StreamCache } from './sqlite-streams.js'
import { Sweeper } from './sqlite-sweep.js'
import type { Deliver, Engine, Presence } from './types.js'

export { SqliteOpenError } from './sqlite-open.js'

export interface SqliteEngineOptions {
  /**
   * Path of the database file. It and its directory are created when missing; the write-ahead
   * log sits beside it (`<file>-wal`). One process at a time: a second one fails to start.
   * Required; no default.
   */
  file: string
  /**
   * How often expired publications and idempotency keys are deleted, idle streams dropped and
   * presence entries expired.
   * @default 1_000
   */
  sweepIntervalMs?: number
  /**
   * How long a stream with no publications left and no local subscriber outlives its last
   * publish or history read. Dropping it loses the stream: the channel's next history starts a
   * new epoch.
   * @default 3_600_000 (1 hour)
   */
  streamIdleTtlMs?: number
  /**
   * Rows one sweep statement deletes at most; a sweep with more to do goes on in the next
   * event-loop turn, so that it never blocks the loop for long.
   * @default 500
   */
  sweepBatchSize?: number
  /**
   * Bound on the bytes of the database's pages in use (`(page_count - freelist_count) *
   * page_size`: publications, streams, idempotency keys, state, indexes), checked in a commit
   * once `min(maxHistoryBytes / 64, 4 MiB)` bytes were written since the last check. Past it the
   * least recently used streams (published to or read) are dropped with their publications and
   * idempotency keys, never one the commit wrote: their next use starts a new epoch, so resuming
   * clients get `recovered: false`; a stream this node subscribes to keeps its epoch and seq and
   * loses its publications (a gap). Freed pages are reused, and the sweep gives those past a
   * slack back to the file system, so the file stays near the bound.
   * @default 1_073_741_824 (1 GiB)
   */
  maxHistoryBytes?: number
  /** How long opening waits for another process to release the file before failing. @default 5_000 */
  busyTimeoutMs?: number
  /** The clock, in milliseconds since the Unix epoch. @default () => Date.now() */
  now?: () => number
  /**
   * Receives errors of background work (the sweep), which has no caller to reject.
   * @default reports them with `process.emitWarning`
   */
  onError?: (error: Error) => void
}

export const sqliteDefaults = {
  sweepIntervalMs: 1_000,
  streamIdleTtlMs: 3_600_000,
  sweepBatchSize: 500,
  maxHistoryBytes: 1_073_741_824,
  busyTimeoutMs: 5_000,
  // A wrapper, not `Date.now` itself, so that fake timers installed later are honoured.
  now: (): number => Date.now(),
  onError: (error: Error): void => {
    process.emitWarning(error)
  },
} satisfies Required<Omit<SqliteEngineOptions, 'file'>>

type ResolvedSqliteOptions = Required<SqliteEngineOptions>

/** Free pages the sweep leaves in the file for reuse: 1/16 of the bound, at most 16 MiB. */
const vacuumSlackPages = (db: Database, maxHistoryBytes: number): number =>
  Math.ceil(
    Math.min(maxHistoryBytes / 16, 16 * 1024 * 1024) /
      Number(db.pragma('page_size', { simple: true })),
  )

/** What the engine holds right now (expired rows not yet swept included), for tests. */
export type SqliteEngineStats = Record<
  | 'streams'
  | 'keptPubs'
  | 'dedupKeys'
  | 'stateKeys'
  | 'cachedStreams'
  | 'commits'
  | 'usedBytes'
  | 'freeBytes'
  | 'evictedStreams',
  number
>

/** Presence of the memory engine, which rejects like the rest once this engine is closed. */
class SqlitePresence implements Presence {
  readonly #node: LocalNode
  readonly #inner: Presence

  constructor(node: LocalNode, inner: Presence) {
    this.#node = node
    this.#inner = inner
  }

  add(channel: string, member: Member, ttlMs: number): Promise<void> {
    return whenOpen(this.#node, () => this.#inner.add(channel, member, ttlMs))
  }

  remove(channel: string, client: string): Promise<void> {
    return whenOpen(this.#node, () => this.#inner.remove(channel, client))
  }

  list(channel: string): Promise<Member[]> {
    return whenOpen(this.#node, () => this.#inner.list(channel))
  }
}

/** Nothing subscribes on the presence engine, so it never delivers. */
const deliverNothing: Deliver = () => undefined

class SqliteEngine implements Engine {
  readonly broker: SqliteBroker
  readonly presence: SqlitePresence
  readonly state: SqliteState
  readonly #settings: ResolvedSqliteOptions
  readonly #db: Database
  readonly #node = createLocalNode()
  readonly #streams: StreamCache
  readonly #queue: CommitQueue
  readonly #bound: HistoryBound
  readonly #sweeper: Sweeper
  /** Holds presence only. */
  readonly #memory: Engine

  constructor(settings: ResolvedSqliteOptions) {
    this.#settings = settings
    const { file, now } = settings
    const db = openDatabase(file, settings.busyTimeoutMs)
    this.#db = db
    const node = this.#node
    try {
      const streams = new StreamCache(db)
      this.#streams = streams
      // Rewriting `touched_at` on every read would cost a write per subscribe.
      const touchWriteMs = settings.streamIdleTtlMs / 10
      const { maxHistoryBytes } = settings
      this.#bound = new HistoryBound(db, { streams, node }, { maxHistoryBytes })
      const bound = this.#bound
      this.#queue = new CommitQueue(db, streams, node, { file, touchWriteMs, bound })
      this.broker = new SqliteBroker(db, { node, streams, queue: this.#queue, now })
      this.state = new SqliteState(db, { node, queue: this.#queue })
      const { streamIdleTtlMs, sweepBatchSize: batchSize, onError } = settings
      this.#sweeper = new Sweeper(
        db,
        { node, streams },
        {
          streamIdleTtlMs,
          batchSize,
          now,
          onError,
          slackPages: vacuumSlackPages(db, maxHistoryBytes),
        },
      )
    } catch (err) {
      db.close()
      throw err
    }
    this.#memory = createMemoryEngine({ sweepIntervalMs: settings.sweepIntervalMs, now })
    this.presence = new SqlitePresence(node, this.#memory.presence)
  }

  start(deliver: Deliver): Promise<void> {
    return whenOpen(this.#node, () => {
      if (this.#node.deliver !== undefined) throw new Error('start() may be called only once')
      this.#node.deliver = deliver
      this.#sweeper.start(this.#settings.sweepIntervalMs)
      return this.#memory.start(deliverNothing)
    })
  }

  /** Commits what is queued (delivering nothing more), then closes the file. */
  async close(): Promise<void> {
    if (this.#node.isClosed) return
    this.#node.isClosed = true
    this.#sweeper.stop()
    this.#queue.persistTouches()
    const error = this.#queue.flush()
    await this.#memory.close()
    this.#db.close()
    if (error !== undefined) throw error
  }

  stats(): SqliteEngineStats {
    const count = (table: string): number =>
      this.#db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0
    return {
      streams: count('streams'),
      keptPubs: count('pubs'),
      dedupKeys: count('dedup'),
      stateKeys: count('state'),
      cachedStreams: this.#streams.size,
      commits: this.#queue.commits,
      usedBytes: this.#bound.usedBytes(),
      freeBytes:
        Number(this.#db.pragma('freelist_count', { simple: true })) *
        Number(this.#db.pragma('page_size', { simple: true })),
      evictedStreams: this.#bound.evicted,
    }
  }
}

/**
 * An engine keeping its data in a SQLite file; see {@link SqliteEngineOptions}. Opens the file
 * now, so a file or directory that cannot be used throws a `SqliteOpenError` here, naming the
 * file and the fix. `close()` releases it, also when the engine was never started.
 */
export const createSqliteEngine = (options: SqliteEngineOptions): Engine => {
  if (typeof options.file !== 'string' || options.file === '')
    throw new Error('createSqliteEngine: `file` must be the path of the database file')
  return new SqliteEngine({
    file: options.file,
    sweepIntervalMs: options.sweepIntervalMs ?? sqliteDefaults.sweepIntervalMs,
    streamIdleTtlMs: options.streamIdleTtlMs ?? sqliteDefaults.streamIdleTtlMs,
    sweepBatchSize: options.sweepBatchSize ?? sqliteDefaults.sweepBatchSize,
    maxHistoryBytes: options.maxHistoryBytes ?? sqliteDefaults.maxHistoryBytes,
    busyTimeoutMs: options.busyTimeoutMs ?? sqliteDefaults.busyTimeoutMs,
    now: options.now ?? sqliteDefaults.now,
    onError: options.onError ?? sqliteDefaults.onError,
  })
}

/** Counts what an engine made by {@link createSqliteEngine} holds; throws for any other. */
export const inspectSqliteEngine = (engine: Engine): SqliteEngineStats => {
  if (!(engine instanceof SqliteEngine))
    throw new Error('not an engine made by createSqliteEngine()')
  return engine.stats()
}
