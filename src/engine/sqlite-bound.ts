/**
 * The SQLite engine's bound on the pages its database uses (`maxHistoryBytes`): checked inside a
 * commit's transaction once enough bytes were written since the last check, so a publication
 * costs no PRAGMA; past the bound, the least recently used streams (by `touched_at`, corrected by
 * the cache) are dropped with their publications and idempotency keys. A stream this node
 * subscribes to keeps its epoch and seq and only loses its publications (a gap); the streams of
 * the commit being written are never touched.
 */
import type { Database, Statement } from 'better-sqlite3'
import type { LocalNode } from './sqlite-node.js'
import type { StreamCache } from './sqlite-streams.js'

export interface HistoryBoundSettings {
  /** Bound on `(page_count - freelist_count) * page_size`, in bytes. */
  maxHistoryBytes: number
}

/** Streams one eviction query visits at most. */
const EVICT_BATCH = 16
/** The most bytes written between two checks: the bound is overshot by at most this (+1 commit). */
const MAX_CHECK_EVERY_BYTES = 4 * 1024 * 1024

/** How many written bytes (as {@link HistoryBound.wrote} counts them) trigger a check. */
export const checkEveryBytes = (maxHistoryBytes: number): number =>
  Math.max(1, Math.min(MAX_CHECK_EVERY_BYTES, Math.floor(maxHistoryBytes / 64)))

type LruRow = { channel: string; touched_at: number }

export class HistoryBound {
  readonly #streams: StreamCache
  readonly #node: LocalNode
  readonly #settings: HistoryBoundSettings
  readonly #pageSize: number
  readonly #checkEveryBytes: number
  readonly #usedPages: Statement<[], { n: number }>
  readonly #selectLru: Statement<[number, string, number], LruRow>
  readonly #deletePubs: Statement<[string]>
  readonly #deleteDedup: Statement<[string]>
  readonly #dropStream: Statement<[string]>
  readonly #touchStream: Statement<[number, string]>
  /** Bytes written since the last check; starts past the threshold, so the first commit checks. */
  #written = Infinity
  #evicted = 0

  constructor(
    db: Database,
    parts: { streams: StreamCache; node: LocalNode },
    settings: HistoryBoundSettings,
  ) {
    this.#streams = parts.streams
    this.#node = parts.node
    this.#settings = settings
    this.#pageSize = Number(db.pragma('page_size', { simple: true }))
    this.#checkEveryBytes = checkEveryBytes(settings.maxHistoryBytes)
    this.#usedPages = db.prepare(
      `SELECT (SELECT page_count FROM pragma_page_count())
       - (SELECT freelist_count FROM pragma_freelist_count()) AS n`,
    )
    this.#selectLru = db.prepare(
      `SELECT channel, touched_at FROM streams WHERE (touched_at, channel) > (?, ?)
       ORDER BY touched_at, channel LIMIT ?`,
    )
    this.#deletePubs = db.prepare('DELETE FROM pubs WHERE channel = ?')
    this.#deleteDedup = db.prepare('DELETE FROM dedup WHERE channel = ?')
    this.#dropStream = db.prepare('DELETE FROM streams WHERE channel = ?')
    this.#touchStream = db.prepare('UPDATE streams SET touched_at = ? WHERE channel = ?')
  }

  /** Streams dropped (or emptied, when subscribed) so far. */
  get evicted(): number {
    return this.#evicted
  }

  /** The bytes the database's pages in use hold now. */
  usedBytes(): number {
    return (this.#usedPages.get()?.n ?? 0) * this.#pageSize
  }

  /** Counts `bytes` written by the transaction under way. */
  wrote(bytes: number): void {
    this.#written += bytes
  }

  /**
   * Inside the commit's transaction, after its writes: past the bound, evicts streams least
   * recently used first until within it or only the commit's own (dirty) streams are left.
   * Returns the channels whose cached streams must be forgotten once the transaction commits.
   */
  enforce(): string[] {
    const forgotten: string[] = []
    if (this.#written < this.#checkEveryBytes) return forgotten
    this.#written = 0
    const { maxHistoryBytes } = this.#settings
    // A cursor in (touched_at, channel) order: each row is visited once, unless moved later.
    let afterAt = -Number.MAX_VALUE
    let afterChannel = ''
    while (this.usedBytes() > maxHistoryBytes) {
      const rows = this.#selectLru.all(afterAt, afterChannel, EVICT_BATCH)
      if (rows.length === 0) return forgotten
      let isWithin = false
      for (const { channel, touched_at: storedAt } of rows) {
        afterAt = storedAt
        afterChannel = channel
        const record = this.#streams.peek(channel)
        // Written by this commit: the stream just published to, or just used.
        if (record?.isDirty === true) continue
        if (this.#node.channels.has(channel)) {
          // Subscribed: keeps its epoch and seq, loses its publications.
          if (this.#deletePubs.run(channel).changes === 0) continue
          forgotten.push(channel)
        } else if (record !== undefined && record.touchedAt > storedAt) {
          // Used since its time was written down: write it, and look at it again in its place.
          this.#touchStream.run(record.touchedAt, channel)
          record.storedTouchedAt = record.touchedAt
          continue
        } else {
          this.#deletePubs.run(channel)
          this.#deleteDedup.run(channel)
          this.#dropStream.run(channel)
          forgotten.push(channel)
        }
        this.#evicted += 1
        if (this.usedBytes() <= maxHistoryBytes) {
          isWithin = true
          break
        }
      }
      if (isWithin) break
    }
    return forgotten
  }
}
