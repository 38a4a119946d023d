/**
 * The node's running totals, as plain numbers. The hot paths add to them once per publication or
 * once per flush (never once per recipient through a metrics library); `/metrics` reads them at
 * scrape time. They only grow, except `latencySamples`, which the scrape drains.
 */
export interface NodeCounters {
  /** WebSocket messages received (every frame, protocol and plain text). */
  messagesIn: number
  /** WebSocket messages queued to sockets (publications, replies, events, pings). */
  messagesOut: number
  /** Payload bytes of the messages received. */
  bytesIn: number
  /** Bytes handed to sockets by the frame writer, WebSocket framing included. */
  bytesOut: number
  /** Publications made through this node (client, HTTP API and app publishes that succeeded). */
  publications: number
  /** Publications queued to a local recipient (each subscriber counts once). */
  deliveries: number
  /** Engine calls that failed (storage unavailable, Redis down). */
  engineErrors: number
  /** Requests to `/api/*`, by HTTP status. */
  readonly apiRequests: Map<number, number>
  /** Backpressure outcomes, by `policy` and `outcome` joined with a space. */
  readonly backpressure: Map<string, number>
  /** Connections closed, by close code (the server's, or the peer's when it closed first). */
  readonly disconnects: Map<number, number>
  /** Error replies sent, by reply error code. */
  readonly replies: Map<string, number>
  /** Sampled seconds from a publication's `time` to its fan-out here, drained at scrape time. */
  readonly latencySamples: number[]
}

/** A channel backpressure policy, or `socket` for the hard cap that applies whatever the policy. */
export type BackpressurePolicy = 'recover' | 'latest' | 'drop' | 'socket'

/**
 * What backpressure did: `skipped` (live sends stopped, the reader catches up from history),
 * `coalesced` (only the newest value per key kept), `dropped` (not sent), `closed` (the
 * connection was closed 4001).
 */
export type BackpressureOutcome = 'skipped' | 'coalesced' | 'dropped' | 'closed'

/** Latency samples kept between two scrapes at most; later ones wait for the next scrape. */
export const MAX_LATENCY_SAMPLES = 4_096

/** One publication in this many per node is timed for `hubbub_publish_to_deliver_seconds`. */
export const LATENCY_SAMPLE_EVERY = 8

export const createNodeCounters = (): NodeCounters => ({
  messagesIn: 0,
  messagesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  publications: 0,
  deliveries: 0,
  engineErrors: 0,
  apiRequests: new Map(),
  backpressure: new Map(),
  disconnects: new Map(),
  replies: new Map(),
  latencySamples: [],
})

/** Adds one to `key` of a labelled count. */
export const countOne = <K>(counts: Map<K, number>, key: K): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

/** Counts one backpressure outcome (the slow path only: a socket is full). */
export const countBackpressure = (
  counters: NodeCounters,
  policy: BackpressurePolicy,
  outcome: BackpressureOutcome,
): void => {
  countOne(counters.backpressure, `${policy} ${outcome}`)
}
