/**
 * The SQLite engine's cache of streams (channel → epoch and top seq), loaded lazily from the
 * `streams` table. Publishing takes the next seq from here synchronously; the commit queue
 * writes it back. The engine is the file's only writer, so the cache is never stale.
 */
import { randomBytes } from 'node:crypto'
import type { Database, Statement } from 'better-sqlite3'

/** One channel's stream as this process knows it. */
export interface StreamRecord {
  readonly channel: string
  readonly epoch: string
  /** The last seq given out, committed or not. */
  seq: number
  /** The last seq written by a committed transaction. */
  committedSeq: number
  /** When the stream was last published to or read, in ms since the Unix epoch. */
  touchedAt: number
  /** `touched_at` as the database has it; -Infinity while the stream has no row. */
  storedTouchedAt: number
  /** Every kept row with a seq up to this one is known to be deleted. */
  trimmedThrough: number
  /** Whether the commit queue holds writes for this stream. */
  isDirty: boolean
}

type StreamRow = { epoch: string; seq: number; touched_at: number }

const newEpoch = (): string => randomBytes(6).toString('base64url')

export class StreamCache {
  readonly #records = new Map<string, StreamRecord>()
  readonly #select: Statement<[string], StreamRow>

  constructor(db: Database) {
    this.#select = db.prepare('SELECT epoch, seq, touched_at FROM streams WHERE channel = ?')
  }

  /**
   * The channel's stream: cached, else loaded, else new (a new epoch at seq 0, not yet written;
   * whoever touches it queues the write). `onCreate` runs first when the stream is new, and may
   * refuse it by throwing.
   */
  get(channel: string, onCreate?: () => void): StreamRecord {
    const cached = this.#records.get(channel)
    if (cached !== undefined) return cached
    const row = this.#select.get(channel)
    if (row === undefined) onCreate?.()
    const record: StreamRecord =
      row === undefined
        ? {
            channel,
            epoch: newEpoch(),
            seq: 0,
            committedSeq: 0,
            touchedAt: -Infinity,
            storedTouchedAt: -Infinity,
            trimmedThrough: 0,
            isDirty: false,
          }
        : {
            channel,
            epoch: row.epoch,
            seq: row.seq,
            committedSeq: row.seq,
            touchedAt: row.touched_at,
            storedTouchedAt: row.touched_at,
            trimmedThrough: -Infinity,
            isDirty: false,
          }
    this.#records.set(channel, record)
    return record
  }

  /** The cached stream, without loading it. */
  peek(channel: string): StreamRecord | undefined {
    return this.#records.get(channel)
  }

  /** Forgets the cached stream: the next {@link get} reads the table again. */
  forget(channel: string): void {
    this.#records.delete(channel)
  }

  /** Every cached stream. */
  values(): IterableIterator<StreamRecord> {
    return this.#records.values()
  }

  get size(): number {
    return this.#records.size
  }
}
