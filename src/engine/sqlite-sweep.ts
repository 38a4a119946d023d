/**
 * The SQLite engine's sweep: deletes expired publications and idempotency keys, and drops idle
 * streams, in bounded batches (through the `expires_at` and `touched_at` indexes), continuing in
 * later event-loop turns while there is more, so that the loop is never blocked for long.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3'
import type { LocalNode } from './sqlite-node.js'
import type { StreamCache } from './sqlite-streams.js'
import { toError } from './sqlite-values.js'

export interface SweepSettings {
  /** How long a stream with no kept publication and no local subscriber outlives its last use. */
  streamIdleTtlMs: number
  /** Rows one statement deletes or visits at most. */
  batchSize: number
  now: () => number
  /** Receives the errors of sweeps, which run in the background. */
  onError: (error: Error) => void
  /** Free pages left in the file for reuse; those past them go back to the file system. */
  slackPages: number
}

type IdleRow = { channel: string; touched_at: number }

export class Sweeper {
  readonly #node: LocalNode
  readonly #streams: StreamCache
  readonly #settings: SweepSettings
  readonly #deletePubs: Statement<[number, number]>
  readonly #deleteDedup: Statement<[number, number]>
  readonly #selectIdle: Statement<[number, number], IdleRow>
  readonly #dropStream: Statement<[string]>
  readonly #touchStream: Statement<[number, string]>
  readonly #sweepIdle: Transaction<(nowMs: number) => number>
  readonly #freePages: Statement<[], { n: number }>
  readonly #db: Database
  #interval: NodeJS.Timeout | undefined
  #next: NodeJS.Immediate | undefined

  constructor(
    db: Database,
    parts: { node: LocalNode; streams: StreamCache },
    settings: SweepSettings,
  ) {
    this.#node = parts.node
    this.#streams = parts.streams
    this.#settings = settings
    this.#deletePubs = db.prepare(
      `DELETE FROM pubs WHERE (channel, seq) IN
       (SELECT channel, seq FROM pubs WHERE expires_at <= ? LIMIT ?)`,
    )
    this.#deleteDedup = db.prepare(
      `DELETE FROM dedup WHERE (channel, key) IN
       (SELECT channel, key FROM dedup WHERE expires_at <= ? LIMIT ?)`,
    )
    this.#selectIdle = db.prepare(
      `SELECT channel, touched_at FROM streams WHERE touched_at <= ?
       AND NOT EXISTS (SELECT 1 FROM pubs WHERE pubs.channel = streams.channel) LIMIT ?`,
    )
    this.#dropStream = db.prepare('DELETE FROM streams WHERE channel = ?')
    this.#touchStream = db.prepare('UPDATE streams SET touched_at = ? WHERE channel = ?')
    this.#sweepIdle = db.transaction(this.#dropIdle)
    this.#freePages = db.prepare('SELECT freelist_count AS n FROM pragma_freelist_count()')
    this.#db = db
  }

  /** Sweeps every `intervalMs` from now on. */
  start(intervalMs: number): void {
    this.#interval = setInterval(this.#onInterval, intervalMs)
    // The sweep alone must not keep the process alive.
    this.#interval.unref()
  }

  stop(): void {
    clearInterval(this.#interval)
    if (this.#next !== undefined) clearImmediate(this.#next)
    this.#next = undefined
  }

  readonly #onInterval = (): void => {
    // A sweep still spread over turns goes on by itself.
    if (this.#next === undefined) this.#run()
  }

  readonly #onNext = (): void => {
    this.#next = undefined
    this.#run()
  }

  #run(): void {
    try {
      if (this.#step()) this.#next = setImmediate(this.#onNext)
    } catch (err) {
      this.#settings.onError(toError(err))
    }
  }

  /** One bounded step of the sweep; true when it left work for another. */
  #step(): boolean {
    const { now, batchSize } = this.#settings
    const nowMs = now()
    const pubs = this.#deletePubs.run(nowMs, batchSize).changes
    const keys = this.#deleteDedup.run(nowMs, batchSize).changes
    const streams = this.#sweepIdle(nowMs)
    const released = this.#releaseFreePages()
    return pubs >= batchSize || keys >= batchSize || streams >= batchSize || released
  }

  /**
   * Gives free pages past `slackPages` back to the file system (the file is in incremental
   * auto-vacuum mode), at most `batchSize * 4` pages a step; true when more are left.
   */
  #releaseFreePages(): boolean {
    const { slackPages, batchSize } = this.#settings
    const excess = (this.#freePages.get()?.n ?? 0) - slackPages
    if (excess <= 0) return false
    const pages = Math.min(excess, batchSize * 4)
    this.#db.pragma(`incremental_vacuum(${pages})`)
    return excess > pages
  }

  /**
   * Drops the streams idle since `streamIdleTtlMs` with no kept publication, unless this node
   * subscribes to them (dropping one means a new epoch). Returns how many rows it visited.
   */
  readonly #dropIdle = (nowMs: number): number => {
    const { streamIdleTtlMs, batchSize } = this.#settings
    const rows = this.#selectIdle.all(nowMs - streamIdleTtlMs, batchSize)
    for (const { channel, touched_at: storedAt } of rows) {
      const record = this.#streams.peek(channel)
      // Its queued writes are committed within this turn; the next sweep looks again.
      if (record?.isDirty === true) continue
      const isHeld = this.#node.channels.has(channel)
      const usedAt = isHeld ? nowMs : Math.max(storedAt, record?.touchedAt ?? -Infinity)
      if (isHeld || usedAt + streamIdleTtlMs > nowMs) {
        // Used since it was written down: write that down, so it is not visited again soon.
        this.#touchStream.run(usedAt, channel)
        if (record !== undefined) record.storedTouchedAt = usedAt
        continue
      }
      this.#dropStream.run(channel)
      this.#streams.forget(channel)
    }
    return rows.length
  }
}
