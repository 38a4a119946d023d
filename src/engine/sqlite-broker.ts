/**
 * The SQLite engine's broker: publish takes the next seq from the stream cache at once and queues
 * the row; the reply and the delivery to this node follow the commit. History reads what is
 * committed, through the `(channel, seq)` primary key, waiting for the commit of the channel's
 * queued publications first.
 */
import type { Database, Statement } from 'better-sqlite3'
import type { Member, Position, Pub } from '../protocol/index.js'
import { readAfterCommit, settleAfterCommit, type CommitQueue } from './sqlite-commit.js'
import { whenOpen, type LocalNode } from './sqlite-node.js'
import type { StreamCache, StreamRecord } from './sqlite-streams.js'
import { frozenFromJson, toJsonText } from './sqlite-values.js'
import type {
  Broker,
  BrokerMessage,
  HistoryPage,
  HistoryQuery,
  PubDraft,
  Retention,
} from './types.js'

type PubRead = { seq: number; time: number; data: string; from_member: string | null }

/** `limit` as SQL's LIMIT: what the memory engine returns for it, -1 meaning no limit. */
const sqlLimit = (limit: number): number => {
  if (Number.isNaN(limit)) return 0
  return limit === Infinity ? -1 : Math.max(0, Math.ceil(limit))
}

const toPub = (row: PubRead, epoch: string): Pub => {
  const { seq, time } = row
  const data: unknown = JSON.parse(row.data)
  if (row.from_member === null) return { seq, epoch, data, time }
  return { seq, epoch, data, from: JSON.parse(row.from_member) as Member, time }
}

export class SqliteBroker implements Broker {
  readonly #node: LocalNode
  readonly #streams: StreamCache
  readonly #queue: CommitQueue
  readonly #now: () => number
  readonly #selectDedup: Statement<[string, string, number], Position>
  readonly #selectNewest: Statement<[string, number, number], PubRead>
  readonly #selectSince: Statement<[string, number, number, number], PubRead>

  constructor(
    db: Database,
    parts: { node: LocalNode; streams: StreamCache; queue: CommitQueue; now: () => number },
  ) {
    this.#node = parts.node
    this.#streams = parts.streams
    this.#queue = parts.queue
    this.#now = parts.now
    this.#selectDedup = db.prepare(
      'SELECT epoch, seq FROM dedup WHERE channel = ? AND key = ? AND expires_at > ?',
    )
    this.#selectNewest = db.prepare(
      `SELECT seq, time, data, from_member FROM pubs
       WHERE channel = ? AND expires_at > ? ORDER BY seq DESC LIMIT ?`,
    )
    this.#selectSince = db.prepare(
      `SELECT seq, time, data, from_member FROM pubs
       WHERE channel = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?`,
    )
  }

  subscribe(channel: string): Promise<void> {
    return whenOpen(this.#node, () => {
      if (this.#node.deliver === undefined)
        throw new Error('start() must be called before subscribe()')
      this.#node.channels.add(channel)
    })
  }

  unsubscribe(channel: string): Promise<void> {
    return whenOpen(this.#node, () => {
      this.#node.channels.delete(channel)
    })
  }

  publish(channel: string, draft: PubDraft, retention: Retention): Promise<Position> {
    return whenOpen(this.#node, () => this.#publish(channel, draft, retention))
  }

  emit(channel: string, msg: Exclude<BrokerMessage, { kind: 'pub' }>): Promise<void> {
    return whenOpen(this.#node, () =>
      settleAfterCommit(this.#queue, 'message', { channel, msg }, undefined),
    )
  }

  history(channel: string, query: HistoryQuery): Promise<HistoryPage> {
    return whenOpen(this.#node, () => {
      const nowMs = this.#now()
      const stream = this.#streams.get(channel, query.onCreate)
      this.#queue.touch(stream, nowMs)
      // Read after the commit of queued publications, so that a publish is in the history
      // read after it, as with the memory engine.
      if (stream.seq > stream.committedSeq)
        return readAfterCommit(this.#queue, () =>
          this.#readPage(this.#streams.get(channel), query, this.#now()),
        )
      return this.#readPage(stream, query, nowMs)
    })
  }

  #publish(channel: string, draft: PubDraft, retention: Retention): Promise<Position> {
    const nowMs = this.#now()
    const { key } = draft
    if (key !== undefined) {
      const queued = this.#queue.pendingDedup(channel, key)
      if (queued !== undefined && queued.expiresAt > nowMs) {
        const first = { epoch: queued.epoch, seq: queued.seq }
        return settleAfterCommit(this.#queue, 'write', undefined, first)
      }
      const stored = this.#selectDedup.get(channel, key, nowMs)
      if (stored !== undefined) return Promise.resolve({ epoch: stored.epoch, seq: stored.seq })
    }
    // Serialised before taking a seq, so that data that cannot be stored leaves no gap.
    const data = toJsonText(draft.data, 'publication data')
    const from = draft.from === undefined ? null : toJsonText(draft.from, 'publication from')
    const stream = this.#streams.get(channel, draft.onCreate)
    this.#queue.touch(stream, nowMs)
    stream.seq += 1
    const { epoch, seq } = stream
    const { time } = draft
    const copy = frozenFromJson(data)
    const pub: Pub = Object.freeze(
      from === null
        ? { seq, epoch, data: copy, time }
        : { seq, epoch, data: copy, from: frozenFromJson(from) as Member, time },
    )
    const expiresAt = nowMs + retention.historyTtlMs
    this.#queue.queuePub({ stream, seq, expiresAt, time, data, from }, retention.historySize)
    if (key !== undefined) {
      const keyExpiresAt = nowMs + retention.dedupWindowMs
      this.#queue.queueDedup({ channel, key, epoch, seq, expiresAt: keyExpiresAt })
    }
    const delivery = { channel, msg: { kind: 'pub', pub } } as const
    return settleAfterCommit(this.#queue, 'write', delivery, { epoch, seq })
  }

  /**
   * The committed part of the stream: its top is the last committed seq, so every publication up
   * to it is delivered to this node before the caller sees the page (commit and delivery happen
   * in one synchronous step) and any still queued arrive after it.
   */
  #readPage(stream: StreamRecord, query: HistoryQuery, nowMs: number): HistoryPage {
    const { channel, epoch } = stream
    const top = { epoch, seq: stream.committedSeq }
    const limit = sqlLimit(query.limit)
    if (limit === 0) return { top, pubs: [] }
    if (query.since !== undefined) {
      const rows = this.#selectSince.all(channel, query.since.seq, nowMs, limit)
      return { top, pubs: rows.map((row) => toPub(row, epoch)) }
    }
    const rows = this.#selectNewest.all(channel, nowMs, limit)
    if (query.reverse !== true) rows.reverse()
    return { top, pubs: rows.map((row) => toPub(row, epoch)) }
  }
}
