/**
 * The engine seam: storage and fan-out between nodes. These interfaces are the spec; every
 * implementation runs the contract suite in `contract.ts`. All methods are async, reject only
 * with `Error` objects (also when called before `start` or after `close`), and never mutate the
 * values they are given. Values they return or deliver are read-only for the caller.
 */
import type { Member, Position, Pub } from '../protocol/index.js'

/** What a node hears about a channel it subscribed to through {@link Broker.subscribe}. */
export type BrokerMessage =
  | { kind: 'pub'; pub: Pub }
  | { kind: 'signal'; from: Member; data: unknown }
  | { kind: 'join'; member: Member }
  | { kind: 'leave'; member: Member }

/** Called by the engine for every message of a channel this node subscribes to. */
export type Deliver = (channel: string, msg: BrokerMessage) => void

/** A publication before the broker gives it a place in its channel's stream. */
export interface PubDraft {
  data: unknown
  from?: Member
  /** Milliseconds since the Unix epoch. */
  time: number
  /** Idempotency key: a second publish with the same key within the dedup window is a no-op. */
  key?: string
  /**
   * Called (synchronously) before this publish creates the channel's stream, never for a stream
   * that exists; when it throws, the publish rejects with that error and stores nothing. The
   * server charges channel-creation budgets here.
   */
  onCreate?: () => void
}

/** How a publication is kept. */
export interface Retention {
  /** Publications kept per channel; 0 keeps none (seq still advances). */
  historySize: number
  /** How long a kept publication stays recoverable. */
  historyTtlMs: number
  /** How long an idempotency key is remembered. */
  dedupWindowMs: number
}

export interface HistoryQuery {
  /** Only publications with seq greater than `since.seq` (its epoch is not checked here). */
  since?: Position
  /** At most this many publications. */
  limit: number
  /**
   * Without `since`: newest first when true. Ignored with `since`, whose page is always oldest
   * first. `limit` keeps the newest ones when `since` is absent and the oldest ones after `since`
   * when it is given.
   */
  reverse?: boolean
  /** As {@link PubDraft.onCreate}, for the stream a history read creates. */
  onCreate?: () => void
}

export interface HistoryPage {
  /** The channel's current position; creating the stream (with a new epoch and seq 0) if needed. */
  top: Position
  pubs: Pub[]
}

/** Fan-out between nodes plus ordered, bounded history. */
export interface Broker {
  /** From now on this node receives the channel's messages through the engine's `deliver`. */
  subscribe(channel: string): Promise<void>
  /** Stops delivery of the channel to this node. Unknown channels are a no-op. */
  unsubscribe(channel: string): Promise<void>
  /**
   * Atomically assigns the next seq (starting at 1 in a new epoch), keeps the publication per
   * `retention`, and delivers it to every subscribed node (this one included), so that every node
   * sees a channel's publications in seq order. A `draft.key` seen in the same channel within
   * `dedupWindowMs` returns the first publication's position and delivers nothing. Messages one
   * node publishes or emits reach each node in the order that node sent them.
   */
  publish(channel: string, draft: PubDraft, retention: Retention): Promise<Position>
  /** Delivers an ephemeral message (signal, join, leave) to every subscribed node; never stored. */
  emit(channel: string, msg: Exclude<BrokerMessage, { kind: 'pub' }>): Promise<void>
  /** The channel's position and kept publications, oldest first unless `reverse` (see {@link HistoryQuery}). */
  history(channel: string, query: HistoryQuery): Promise<HistoryPage>
}

/** Who is in a channel. Entries expire unless their node refreshes them. */
export interface Presence {
  /** Adds or refreshes `member` (keyed by `member.client`); it expires `ttlMs` after this call. */
  add(channel: string, member: Member, ttlMs: number): Promise<void>
  /** Removes one client's entry; a no-op when absent. */
  remove(channel: string, client: string): Promise<void>
  /** Live (unexpired) entries, one per client, in no particular order. */
  list(channel: string): Promise<Member[]>
}

/** Small durable JSON values for apps: counters, read markers, clear marks. */
export interface State {
  /** The stored value, or undefined when absent. */
  get(key: string): Promise<unknown>
  /** Stores a JSON-serialisable value. */
  set(key: string, value: unknown): Promise<void>
  /**
   * Atomically adds `delta` to a numeric value (absent counts as 0) and returns the new value;
   * rejects when the stored value is not a number.
   */
  incr(key: string, delta: number): Promise<number>
  /** Removes the key; a no-op when absent. */
  delete(key: string): Promise<void>
}

/** One storage/cluster backend, given to `createServer({ engine })`. */
export interface Engine {
  readonly broker: Broker
  readonly presence: Presence
  readonly state: State
  /**
   * Starts delivering; called once by the server before any other method. `deliver` must not
   * throw; if it does, the others still get the message and the publishing call rejects.
   */
  start(deliver: Deliver): Promise<void>
  /** Releases timers and connections; no delivery happens after it resolves. */
  close(): Promise<void>
}

/**
 * An engine whose backend lives outside the process and can be unreachable (Redis): it can say
 * whether that backend answers now, for readiness probes (`/readyz`). Engines without it are
 * in-process (memory, SQLite) and ready whenever the server runs.
 */
export interface Pingable {
  /** Resolves once the backend answered a round trip; rejects with an Error saying why not. */
  ping(): Promise<void>
}

export const isPingable = (engine: Engine): engine is Engine & Pingable =>
  typeof (engine as Partial<Pingable>).ping === 'function'
