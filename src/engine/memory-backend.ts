/**
 * The storage behind memory engines: what a backend holds, how its sweep removes what expired,
 * and how it fans messages out to the engines (nodes) that share it.
 */
import type { Member, Position } from '../protocol/index.js'
import { heapPop, heapPush } from './expiry-heap.js'
import {
  dropAll,
  dropExpired,
  dropOldest,
  keptCount,
  releaseStream,
  type Stream,
  type Usage,
} from './memory-history.js'
import type { BrokerMessage, Deliver } from './types.js'

/**
 * The storage behind one or more memory engines. Opaque: pass it to `createMemoryEngine` as
 * `shared`, or to {@link inspectMemoryBackend}.
 */
export interface MemoryBackend {
  readonly kind: 'memory-backend'
}

/** Sizes of what a backend holds (expired entries not yet swept included), for tests. */
export type MemoryBackendStats = Record<
  'streams' | 'keptPubs' | 'dedupKeys' | 'presenceEntries' | 'stateKeys' | 'scheduledChecks',
  number
>

type Check = { at: number; stream: Stream }
/** One engine sharing the backend. */
export type Node = { readonly deliver: Deliver; readonly channels: Set<string>; isClosed: boolean }
export type PresenceEntry = { channel: string; member: Member; expiresAt: number }

export interface Store {
  /** In order of last use (publish or history read), least recent first. */
  streams: Map<string, Stream>
  /** The history bytes the streams count (see `maxHistoryBytes`). */
  usage: Usage
  /** Min-heap by `at`: the sweep visits only the streams that are due. */
  checks: Check[]
  /** In insertion order, which is expiry order while the dedup window does not change. */
  dedup: Map<string, { position: Position; expiresAt: number }>
  presence: Map<string, Map<string, PresenceEntry>>
  /** Entries in refresh order, which is expiry order while the presence TTL does not change. */
  presenceOrder: Set<PresenceEntry>
  /** JSON text, so that no caller holds a reference to a stored value. */
  state: Map<string, string>
  subscribers: Map<string, Set<Node>>
  deliveries: { node: Node; channel: string; msg: BrokerMessage }[]
  isDelivering: boolean
}

const stores = new WeakMap<MemoryBackend, Store>()

/** A new, empty backend, to share between memory engines that act as nodes of one cluster. */
export const createMemoryBackend = (): MemoryBackend => {
  const backend: MemoryBackend = Object.freeze({ kind: 'memory-backend' })
  stores.set(backend, {
    streams: new Map(),
    usage: { bytes: 0 },
    checks: [],
    dedup: new Map(),
    presence: new Map(),
    presenceOrder: new Set(),
    state: new Map(),
    subscribers: new Map(),
    deliveries: [],
    isDelivering: false,
  })
  return backend
}

/** What `backend` holds. */
export const storeOf = (backend: MemoryBackend): Store => {
  const store = stores.get(backend)
  if (store === undefined) throw new Error('not a backend made by createMemoryBackend()')
  return store
}

/** Counts what `backend` holds right now. */
export const inspectMemoryBackend = (backend: MemoryBackend): MemoryBackendStats => {
  const store = storeOf(backend)
  let keptPubs = 0
  for (const stream of store.streams.values()) keptPubs += keptCount(stream)
  return {
    streams: store.streams.size,
    keptPubs,
    dedupKeys: store.dedup.size,
    presenceEntries: store.presenceOrder.size,
    stateKeys: store.state.size,
    scheduledChecks: store.checks.length,
  }
}

/** The history bytes `backend` counts towards `maxHistoryBytes` right now. */
export const memoryHistoryBytes = (backend: MemoryBackend): number => storeOf(backend).usage.bytes

/** Queues a sweep check of `stream` at `at`, superseding the one queued before. */
export const schedule = (store: Store, stream: Stream, at: number): void => {
  stream.checkAt = at
  heapPush(store.checks, { at, stream })
}

/** Stops delivering `channel` to `node`. */
export const leave = (store: Store, node: Node, channel: string): void => {
  const nodes = store.subscribers.get(channel)
  nodes?.delete(node)
  if (nodes?.size === 0) store.subscribers.delete(channel)
}

/** Removes `entry` from its channel's members, unless a newer entry replaced it there. */
export const removePresence = (store: Store, entry: PresenceEntry): void => {
  store.presenceOrder.delete(entry)
  const members = store.presence.get(entry.channel)
  if (members?.get(entry.member.client) !== entry) return
  members.delete(entry.member.client)
  if (members.size === 0) store.presence.delete(entry.channel)
}

/**
 * Removes what expired by `nowMs` and drops idle streams. Only streams whose check is due are
 * visited; dedup keys and presence entries are visited oldest first and the walk stops at the
 * first live one. So with steady TTLs the cost follows what is removed, and a key or entry with a
 * shorter TTL than those before it waits for them (reads skip it meanwhile).
 */
export const sweep = (store: Store, nowMs: number, streamIdleTtlMs: number): void => {
  for (let check = store.checks[0]; check !== undefined && check.at <= nowMs;) {
    heapPop(store.checks)
    const { stream, at } = check
    check = store.checks[0]
    if (stream.checkAt !== at || store.streams.get(stream.channel) !== stream) continue
    dropExpired(stream, nowMs)
    const oldest = stream.kept[stream.head]
    const idleUntil = stream.touchedAt + streamIdleTtlMs
    if (oldest === undefined && idleUntil <= nowMs && !store.subscribers.has(stream.channel)) {
      store.streams.delete(stream.channel)
      releaseStream(stream)
      continue
    }
    // Always in the future, so that this loop ends.
    schedule(store, stream, Math.max(oldest?.expiresAt ?? idleUntil, nowMs + 1))
  }
  for (const [key, entry] of store.dedup) {
    if (entry.expiresAt > nowMs) break
    store.dedup.delete(key)
  }
  for (const entry of store.presenceOrder) {
    if (entry.expiresAt > nowMs) break
    removePresence(store, entry)
  }
}

/**
 * Brings the history bytes `store` counts back within `maxBytes`: streams are released least
 * recently used first (a stream some node subscribes to keeps its epoch and seq and only loses
 * its kept publications), never `current`, which then loses its oldest publications (all but the
 * newest) only if it alone is past the bound. A released stream starts a new epoch on next use,
 * so clients resuming it are told `recovered: false`; one that kept its epoch has a gap, which
 * tells them the same.
 */
export const evictPast = (store: Store, current: Stream, maxBytes: number): void => {
  const { usage } = store
  for (const stream of store.streams.values()) {
    if (usage.bytes <= maxBytes) return
    if (stream === current) continue
    if (store.subscribers.has(stream.channel)) {
      dropAll(stream)
      continue
    }
    store.streams.delete(stream.channel)
    releaseStream(stream)
  }
  while (usage.bytes > maxBytes && keptCount(current) > 1) dropOldest(current)
}

/**
 * Delivers `msg` to every node subscribed to `channel`. A delivery made from inside a deliver
 * callback is queued behind the current ones, so every node sees a channel's messages in order.
 * A throwing callback does not stop delivery to the others; the error is then rethrown here.
 */
export const fanOut = (store: Store, channel: string, msg: BrokerMessage): void => {
  const nodes = store.subscribers.get(channel)
  if (nodes === undefined) return
  for (const node of nodes) store.deliveries.push({ node, channel, msg })
  if (store.isDelivering) return
  store.isDelivering = true
  const errors: unknown[] = []
  // Caught per callback, so the loop always ends with the queue emptied.
  for (let i = 0; i < store.deliveries.length; i++) {
    const delivery = store.deliveries[i]
    if (delivery === undefined || delivery.node.isClosed) continue
    try {
      delivery.node.deliver(delivery.channel, delivery.msg)
    } catch (err) {
      errors.push(err)
    }
  }
  store.deliveries.length = 0
  store.isDelivering = false
  const [first] = errors
  if (errors.length === 1 && first instanceof Error) throw first
  if (errors.length > 0) throw new AggregateError(errors, 'deliver callbacks threw')
}
