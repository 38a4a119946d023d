/**
 * One channel's stream in the memory engine: its position and the publications it keeps, in a
 * ring buffer that releases slots from the front and compacts now and then.
 */
import { randomBytes } from 'node:crypto'
import type { Pub } from '../protocol/index.js'
import type { HistoryPage, HistoryQuery } from './types.js'

/** A kept publication and what it counts towards the history bytes bound. */
export type Kept = { pub: Pub; expiresAt: number; bytes: number }

/** What every stream counts towards the bound besides its publications, plus its name's length. */
export const STREAM_OVERHEAD_BYTES = 256
/** What every kept publication counts besides the JSON text of its data and from. */
export const PUB_OVERHEAD_BYTES = 64

/** The history bytes a backend holds, shared by its streams. */
export type Usage = { bytes: number }

export interface Stream {
  readonly channel: string
  readonly epoch: string
  /** The backend's counter, which this stream's overhead and kept publications count towards. */
  readonly usage: Usage
  seq: number
  /** Kept publications with consecutive seqs, from index `head` on; earlier slots are released. */
  kept: (Kept | undefined)[]
  head: number
  touchedAt: number
  /** When the sweep next looks at this stream; a queued check for any other time is stale. */
  checkAt: number
}

const newEpoch = (): string => randomBytes(6).toString('base64url')

/** What a stream of `channel` counts towards the bound while it holds nothing. */
export const streamOverhead = (channel: string): number => STREAM_OVERHEAD_BYTES + channel.length

/**
 * A new stream at seq 0 in a new epoch, never touched and not yet scheduled for a check; its
 * overhead is counted in `usage` (release it with {@link releaseStream}).
 */
export const createStream = (channel: string, usage: Usage): Stream => {
  usage.bytes += streamOverhead(channel)
  return {
    channel,
    epoch: newEpoch(),
    usage,
    seq: 0,
    kept: [],
    head: 0,
    touchedAt: 0,
    checkAt: Infinity,
  }
}

/** Releases every kept publication of `stream` at once. */
export const dropAll = (stream: Stream): void => {
  for (let i = stream.head; i < stream.kept.length; i++)
    stream.usage.bytes -= stream.kept[i]?.bytes ?? 0
  stream.kept = []
  stream.head = 0
}

/** Uncounts a stream removed from its backend: its publications and its overhead. */
export const releaseStream = (stream: Stream): void => {
  dropAll(stream)
  stream.usage.bytes -= streamOverhead(stream.channel)
}

/** How many publications `stream` keeps, expired ones not yet dropped included. */
export const keptCount = (stream: Stream): number => stream.kept.length - stream.head

/** Releases the oldest kept publication. */
export const dropOldest = (stream: Stream): void => {
  stream.usage.bytes -= stream.kept[stream.head]?.bytes ?? 0
  stream.kept[stream.head] = undefined
  stream.head += 1
  if (stream.head === stream.kept.length) {
    stream.kept = []
    stream.head = 0
  } else if (stream.head >= 16 && stream.head * 2 >= stream.kept.length) {
    // Compacting only once half the slots are released keeps publish O(1) amortised.
    stream.kept = stream.kept.slice(stream.head)
    stream.head = 0
  }
}

/** Releases the kept publications that expired by `nowMs`, oldest first. */
export const dropExpired = (stream: Stream, nowMs: number): void => {
  for (let k = stream.kept[stream.head]; k !== undefined && k.expiresAt <= nowMs;) {
    dropOldest(stream)
    k = stream.kept[stream.head]
  }
}

/**
 * Keeps `kept`, whose seq must be the stream's current one, then releases the oldest until at
 * most `historySize` remain.
 */
export const keepPub = (stream: Stream, kept: Kept, historySize: number): void => {
  stream.kept.push(kept)
  stream.usage.bytes += kept.bytes
  while (keptCount(stream) > Math.max(0, historySize)) dropOldest(stream)
}

/** The page `query` asks for, skipping publications expired by `nowMs`. */
export const readHistory = (stream: Stream, query: HistoryQuery, nowMs: number): HistoryPage => {
  const { kept, head } = stream
  const pubs: Pub[] = []
  const isWanted = (k: Kept | undefined): k is Kept => k !== undefined && k.expiresAt > nowMs
  if (query.since === undefined) {
    for (let i = kept.length - 1; i >= head && pubs.length < query.limit; i--) {
      const k = kept[i]
      if (isWanted(k)) pubs.push(k.pub)
    }
    if (query.reverse !== true) pubs.reverse()
  } else {
    // Kept seqs are consecutive, so the first one after `since` is found by arithmetic.
    const oldestSeq = kept[head]?.pub.seq ?? stream.seq + 1
    const skipped = Math.max(0, Math.floor(query.since.seq) + 1 - oldestSeq)
    for (let i = head + skipped; i < kept.length && pubs.length < query.limit; i++) {
      const k = kept[i]
      if (isWanted(k)) pubs.push(k.pub)
    }
  }
  return { top: { epoch: stream.epoch, seq: stream.seq }, pubs }
}
