/**
 * The SQLite engine's write path. Writes are queued in memory and committed together, in one
 * transaction per event-loop turn, so a burst of publications costs one commit, not one each.
 * What callers wait for (publish replies, deliveries, reads that must see queued writes) runs
 * after that commit, in the order it was queued: a client never sees a seq that a crash of the
 * process could lose and give out again.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3'
import type { HistoryBound } from './sqlite-bound.js'
import { OrderedDelivery, type AfterCommit } from './sqlite-delivery.js'
import type { LocalNode } from './sqlite-node.js'
import type { StreamCache, StreamRecord } from './sqlite-streams.js'
import { writeErrorMessage } from './sqlite-open.js'
import { toError } from './sqlite-values.js'

/** A publication to keep. */
export interface PubRow {
  stream: StreamRecord
  seq: number
  expiresAt: number
  time: number
  /** JSON text. */
  data: string
  /** JSON text of the member, or null. */
  from: string | null
}

/** An idempotency key and the position of the publication it first published. */
export interface DedupRow {
  channel: string
  key: string
  epoch: string
  seq: number
  expiresAt: number
}

export interface CommitQueueSettings {
  /** The database file, for error messages. */
  file: string
  /** How stale a stream's stored `touched_at` may get before a read writes it again. */
  touchWriteMs: number
  /** Holds the database to `maxHistoryBytes`, inside each commit's transaction. */
  bound: HistoryBound
}

/** What a row costs beyond its text, roughly (keys, record header, b-tree cell), in bytes. */
const ROW_OVERHEAD_BYTES = 64

/** Where an idempotency key is found in the queue. */
const dedupId = (channel: string, key: string): string => `${channel.length}:${channel}${key}`

export class CommitQueue {
  readonly #streams: StreamCache
  readonly #settings: CommitQueueSettings
  readonly #insertPub: Statement<[string, number, number, number, string, string | null]>
  readonly #trimPubs: Statement<[string, number]>
  readonly #upsertStream: Statement<[string, string, number, number]>
  readonly #upsertDedup: Statement<[string, string, string, number, number]>
  readonly #setState: Statement<[string, string]>
  readonly #deleteState: Statement<[string]>
  readonly #writeAll: Transaction<() => void>
  #pubs: PubRow[] = []
  /** Per stream, the seq through which kept publications are to be deleted. */
  readonly #trims = new Map<StreamRecord, number>()
  readonly #dirty = new Set<StreamRecord>()
  readonly #dedup = new Map<string, DedupRow>()
  /** Pending state values by key: JSON text, or undefined for a deletion. */
  readonly #state = new Map<string, string | undefined>()
  #waiting: AfterCommit[] = []
  readonly #delivery: OrderedDelivery
  #timer: NodeJS.Immediate | undefined
  #commits = 0
  /** Channels the bound evicted in the transaction under way. */
  #evicted: string[] = []

  constructor(db: Database, streams: StreamCache, node: LocalNode, settings: CommitQueueSettings) {
    this.#streams = streams
    this.#delivery = new OrderedDelivery(node)
    this.#settings = settings
    this.#insertPub = db.prepare(
      'INSERT INTO pubs (channel, seq, expires_at, time, data, from_member) VALUES (?, ?, ?, ?, ?, ?)',
    )
    this.#trimPubs = db.prepare('DELETE FROM pubs WHERE channel = ? AND seq <= ?')
    this.#upsertStream = db.prepare(
      `INSERT INTO streams (channel, epoch, seq, touched_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel) DO UPDATE
       SET epoch = excluded.epoch, seq = excluded.seq, touched_at = excluded.touched_at`,
    )
    this.#upsertDedup = db.prepare(
      'INSERT OR REPLACE INTO dedup (channel, key, epoch, seq, expires_at) VALUES (?, ?, ?, ?, ?)',
    )
    this.#setState = db.prepare('INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)')
    this.#deleteState = db.prepare('DELETE FROM state WHERE key = ?')
    this.#writeAll = db.transaction(this.#write)
  }

  /** Write transactions committed so far. */
  get commits(): number {
    return this.#commits
  }

  /** Queues `row`, then the deletion of all but the newest `historySize` of its stream. */
  queuePub(row: PubRow, historySize: number): void {
    const { stream } = row
    this.#pubs.push(row)
    const through = row.seq - Math.max(0, historySize)
    this.#trims.set(stream, Math.max(this.#trims.get(stream) ?? -Infinity, through))
    this.#markDirty(stream)
  }

  queueDedup(row: DedupRow): void {
    this.#dedup.set(dedupId(row.channel, row.key), row)
    this.#schedule()
  }

  /** The queued, not yet committed, row of an idempotency key. */
  pendingDedup(channel: string, key: string): DedupRow | undefined {
    return this.#dedup.get(dedupId(channel, key))
  }

  /** Queues setting (JSON text) or deleting (undefined) a state value. */
  queueState(key: string, json: string | undefined): void {
    this.#state.set(key, json)
    this.#schedule()
  }

  /** Whether a state write of `key` waits for the commit. */
  hasPendingState(key: string): boolean {
    return this.#state.has(key)
  }

  /** The value a pending state write gives `key`: JSON text, or undefined when deleted. */
  pendingState(key: string): string | undefined {
    return this.#state.get(key)
  }

  /** Marks `stream` used at `nowMs`; writes that down when the stored time is stale. */
  touch(stream: StreamRecord, nowMs: number): void {
    stream.touchedAt = nowMs
    if (nowMs - stream.storedTouchedAt >= this.#settings.touchWriteMs) this.#markDirty(stream)
  }

  /** Queues writing down when every cached stream was last used, for {@link flush} to commit. */
  persistTouches(): void {
    for (const stream of this.#streams.values())
      if (stream.touchedAt > stream.storedTouchedAt) this.#markDirty(stream)
  }

  /** Runs `item` after the commit of the writes queued before it (see {@link AfterCommit}). */
  after(item: AfterCommit): void {
    if (item.kind === 'message' && this.#waiting.length === 0) {
      this.#delivery.push(item, undefined)
      this.#delivery.drain()
      return
    }
    this.#waiting.push(item)
    this.#schedule()
  }

  /**
   * Commits everything queued now, in one transaction, then settles the waiting items in order.
   * Returns the commit's error, which the waiting writes were also rejected with.
   */
  flush(): Error | undefined {
    if (this.#timer !== undefined) clearImmediate(this.#timer)
    this.#timer = undefined
    const items = this.#waiting
    this.#waiting = []
    const error = this.#hasWrites() ? this.#commit() : undefined
    for (const item of items) this.#delivery.push(item, item.kind === 'write' ? error : undefined)
    this.#delivery.drain()
    return error
  }

  #hasWrites(): boolean {
    return this.#dirty.size > 0 || this.#dedup.size > 0 || this.#state.size > 0
  }

  #markDirty(stream: StreamRecord): void {
    stream.isDirty = true
    this.#dirty.add(stream)
    this.#schedule()
  }

  #schedule(): void {
    // setImmediate, not a microtask: it runs after this turn's I/O, grouping a burst of frames.
    this.#timer ??= setImmediate(this.#onTimer)
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.flush()
  }

  /** Writes the queue in one transaction and clears it; returns why it failed, if it did. */
  #commit(): Error | undefined {
    let error: Error | undefined
    try {
      this.#writeAll()
      this.#commits += 1
    } catch (err) {
      error = new Error(writeErrorMessage(this.#settings.file, err), { cause: err })
    }
    // Forgotten even when the transaction rolled back: the cache reads the table again.
    for (const channel of this.#evicted) this.#streams.forget(channel)
    this.#evicted = []
    for (const stream of this.#dirty) {
      stream.isDirty = false
      if (error !== undefined) {
        // Its seq may be ahead of the table now: read it again on next use.
        this.#streams.forget(stream.channel)
        continue
      }
      stream.committedSeq = stream.seq
      stream.storedTouchedAt = stream.touchedAt
      stream.trimmedThrough = Math.max(stream.trimmedThrough, this.#trims.get(stream) ?? -Infinity)
    }
    this.#pubs = []
    this.#trims.clear()
    this.#dirty.clear()
    this.#dedup.clear()
    this.#state.clear()
    return error
  }

  readonly #write = (): void => {
    this.#evicted = []
    let bytes = 0
    for (const [stream, through] of this.#trims)
      if (through > stream.trimmedThrough) this.#trimPubs.run(stream.channel, through)
    for (const row of this.#pubs) {
      // Rows the same batch trims again are never written.
      if (row.seq <= (this.#trims.get(row.stream) ?? -Infinity)) continue
      const { stream, seq, expiresAt, time, data, from } = row
      this.#insertPub.run(stream.channel, seq, expiresAt, time, data, from)
      bytes += stream.channel.length + data.length + (from?.length ?? 0) + ROW_OVERHEAD_BYTES
    }
    for (const stream of this.#dirty) {
      this.#upsertStream.run(stream.channel, stream.epoch, stream.seq, stream.touchedAt)
      bytes += stream.channel.length + ROW_OVERHEAD_BYTES
    }
    for (const row of this.#dedup.values()) {
      this.#upsertDedup.run(row.channel, row.key, row.epoch, row.seq, row.expiresAt)
      bytes += row.channel.length + row.key.length + ROW_OVERHEAD_BYTES
    }
    for (const [key, json] of this.#state) {
      if (json === undefined) this.#deleteState.run(key)
      else this.#setState.run(key, json)
      bytes += key.length + (json?.length ?? 0) + ROW_OVERHEAD_BYTES
    }
    const { bound } = this.#settings
    bound.wrote(bytes)
    this.#evicted = bound.enforce()
  }
}

/** A promise of `value` once `item`'s turn comes after the commit; rejected if it fails. */
export const settleAfterCommit = <T>(
  queue: CommitQueue,
  kind: AfterCommit['kind'],
  delivery: AfterCommit['delivery'],
  value: T,
): Promise<T> =>
  new Promise((resolve, reject) => {
    queue.after({
      kind,
      delivery,
      settle: (error) => {
        if (error === undefined) resolve(value)
        else reject(error)
      },
    })
  })

/** A promise of what `read` returns, run after the next commit so that it sees queued writes. */
export const readAfterCommit = <T>(queue: CommitQueue, read: () => T): Promise<T> =>
  new Promise((resolve, reject) => {
    queue.after({
      kind: 'read',
      settle: () => {
        try {
          resolve(read())
        } catch (err) {
          reject(toError(err))
        }
      },
    })
  })
