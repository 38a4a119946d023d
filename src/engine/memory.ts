/**
 * The in-memory engine: the reference implementation of the engine contract, for tests and
 * `hubbub serve --memory`. Nothing survives the process. Several engines sharing one
 * {@link MemoryBackend} behave as the nodes of one cluster, so multi-node behaviour can be tested
 * in-process.
 */
import { randomBytes } from 'node:crypto'
import type { Member, Position, Pub } from '../protocol/index.js'
import type { BrokerMessage, Deliver, Engine, HistoryPage } from './types.js'

export interface MemoryEngineOptions {
  /**
   * Storage shared with other memory engines of this process, which then act as nodes of one
   * cluster: they see each other's publications, presence and state, and each one delivers only
   * the channels it subscribed. Each engine sweeps the backend with its own settings, so give
   * engines that share one the same settings.
   * @default a backend of its own
   */
  shared?: MemoryBackend
  /**
   * How often expired publications, dedup keys and presence entries are removed and idle streams
   * dropped.
   * @default 1_000
   */
  sweepIntervalMs?: number
  /**
   * How long a stream with no publications left and no subscribed node outlives its last publish
   * or history read. Dropping it loses the stream: the channel's next history starts a new epoch.
   * @default 3_600_000 (1 hour)
   */
  streamIdleTtlMs?: number
  /** The clock, in milliseconds since the Unix epoch. @default () => Date.now() */
  now?: () => number
}

const defaults = {
  sweepIntervalMs: 1_000,
  streamIdleTtlMs: 3_600_000,
  // A wrapper, not `Date.now` itself, so that fake timers installed later are honoured.
  now: (): number => Date.now(),
} satisfies Required<Omit<MemoryEngineOptions, 'shared'>>

/**
 * The storage behind one or more memory engines. Opaque: pass it to {@link createMemoryEngine} as
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

type Kept = { pub: Pub; expiresAt: number }
type Check = { at: number; stream: Stream }
type Node = { readonly deliver: Deliver; readonly channels: Set<string>; isClosed: boolean }
type PresenceEntry = { channel: string; member: Member; expiresAt: number }

interface Stream {
  readonly channel: string
  readonly epoch: string
  seq: number
  /** Kept publications with consecutive seqs, from index `head` on; earlier slots are released. */
  kept: (Kept | undefined)[]
  head: number
  touchedAt: number
  /** When the sweep next looks at this stream; a queued check for any other time is stale. */
  checkAt: number
}

interface Store {
  streams: Map<string, Stream>
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

const storeOf = (backend: MemoryBackend): Store => {
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

const newEpoch = (): string => randomBytes(6).toString('base64url')

/** A deep-frozen JSON copy: stored once, then shared with every reader without aliasing callers. */
const frozenJsonCopy = (value: unknown, what: string): unknown => {
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) throw new Error(`${what} is not JSON-serialisable`)
  return JSON.parse(json, (_key, item: unknown) =>
    typeof item === 'object' && item !== null ? Object.freeze(item) : item,
  )
}

/** Runs `fn` now, so effects happen before the caller's next line, and reports like an async fn. */
const settle = <T>(fn: () => T): Promise<T> => {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

const heapPush = (heap: Check[], check: Check): void => {
  let i = heap.push(check) - 1
  while (i > 0) {
    const parentIndex = (i - 1) >> 1
    const parent = heap[parentIndex]
    if (parent === undefined || parent.at <= check.at) break
    heap[i] = parent
    i = parentIndex
  }
  heap[i] = check
}

const heapPop = (heap: Check[]): void => {
  const last = heap.pop()
  if (last === undefined || heap.length === 0) return
  let i = 0
  for (;;) {
    const left = heap[2 * i + 1]
    const right = heap[2 * i + 2]
    let child = left
    let childIndex = 2 * i + 1
    if (right !== undefined && left !== undefined && right.at < left.at) {
      child = right
      childIndex += 1
    }
    if (child === undefined || child.at >= last.at) break
    heap[i] = child
    i = childIndex
  }
  heap[i] = last
}

const schedule = (store: Store, stream: Stream, at: number): void => {
  stream.checkAt = at
  heapPush(store.checks, { at, stream })
}

const keptCount = (stream: Stream): number => stream.kept.length - stream.head

const dropOldest = (stream: Stream): void => {
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

const dropExpired = (stream: Stream, nowMs: number): void => {
  for (let k = stream.kept[stream.head]; k !== undefined && k.expiresAt <= nowMs;) {
    dropOldest(stream)
    k = stream.kept[stream.head]
  }
}

const leave = (store: Store, node: Node, channel: string): void => {
  const nodes = store.subscribers.get(channel)
  nodes?.delete(node)
  if (nodes?.size === 0) store.subscribers.delete(channel)
}

const removePresence = (store: Store, entry: PresenceEntry): void => {
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
const sweep = (store: Store, nowMs: number, streamIdleTtlMs: number): void => {
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
 * Delivers `msg` to every node subscribed to `channel`. A delivery made from inside a deliver
 * callback is queued behind the current ones, so every node sees a channel's messages in order.
 * A throwing callback does not stop delivery to the others; the error is then rethrown here.
 */
const fanOut = (store: Store, channel: string, msg: BrokerMessage): void => {
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

/** An engine keeping everything in this process; see {@link MemoryEngineOptions}. */
export const createMemoryEngine = (options: MemoryEngineOptions = {}): Engine => {
  const store = storeOf(options.shared ?? createMemoryBackend())
  const sweepIntervalMs = options.sweepIntervalMs ?? defaults.sweepIntervalMs
  const streamIdleTtlMs = options.streamIdleTtlMs ?? defaults.streamIdleTtlMs
  const now = options.now ?? defaults.now
  let node: Node | undefined
  let timer: NodeJS.Timeout | undefined
  let isClosed = false

  /** Like {@link settle}, for the methods that reject once the engine is closed. */
  const open = <T>(fn: () => T): Promise<T> =>
    settle(() => {
      if (isClosed) throw new Error('the memory engine is closed')
      return fn()
    })

  /** The channel's stream, created when absent; marks it used at `nowMs`. */
  const touch = (channel: string, nowMs: number): Stream => {
    let stream = store.streams.get(channel)
    if (stream === undefined) {
      const epoch = newEpoch()
      stream = { channel, epoch, seq: 0, kept: [], head: 0, touchedAt: 0, checkAt: Infinity }
      store.streams.set(channel, stream)
    }
    stream.touchedAt = nowMs
    return stream
  }

  /** Makes sure the sweep looks at `stream` no later than `at`. */
  const checkBy = (stream: Stream, at: number): void => {
    if (at < stream.checkAt) schedule(store, stream, at)
  }

  return {
    broker: {
      subscribe: (channel) =>
        open(() => {
          if (node === undefined) throw new Error('start() must be called before subscribe()')
          node.channels.add(channel)
          const nodes = store.subscribers.get(channel) ?? new Set()
          store.subscribers.set(channel, nodes.add(node))
        }),
      unsubscribe: (channel) =>
        open(() => {
          if (node?.channels.delete(channel)) leave(store, node, channel)
        }),
      publish: (channel, draft, retention) =>
        open(() => {
          const nowMs = now()
          const dedupKey =
            draft.key === undefined ? undefined : `${channel.length}:${channel}${draft.key}`
          const seen = dedupKey === undefined ? undefined : store.dedup.get(dedupKey)
          if (seen !== undefined && seen.expiresAt > nowMs) return { ...seen.position }
          // Copied before taking a seq, so that data that cannot be stored leaves no gap.
          const data = frozenJsonCopy(draft.data, 'publication data')
          const from = draft.from && (frozenJsonCopy(draft.from, 'publication from') as Member)
          const stream = touch(channel, nowMs)
          dropExpired(stream, nowMs)
          stream.seq += 1
          const { seq, epoch } = stream
          const time = draft.time
          const pub = Object.freeze(
            from ? { seq, epoch, data, from, time } : { seq, epoch, data, time },
          )
          const expiresAt = nowMs + retention.historyTtlMs
          stream.kept.push({ pub, expiresAt })
          while (keptCount(stream) > Math.max(0, retention.historySize)) dropOldest(stream)
          checkBy(stream, keptCount(stream) > 0 ? expiresAt : nowMs + streamIdleTtlMs)
          if (dedupKey !== undefined) {
            // Re-inserted, not updated, to keep the map in expiry order.
            store.dedup.delete(dedupKey)
            store.dedup.set(dedupKey, {
              position: { epoch, seq },
              expiresAt: nowMs + retention.dedupWindowMs,
            })
          }
          fanOut(store, channel, { kind: 'pub', pub })
          return { epoch, seq }
        }),
      emit: (channel, msg) =>
        open(() => {
          fanOut(store, channel, msg)
        }),
      history: (channel, query) =>
        open((): HistoryPage => {
          const nowMs = now()
          const stream = touch(channel, nowMs)
          dropExpired(stream, nowMs)
          checkBy(stream, nowMs + streamIdleTtlMs)
          const { kept, head } = stream
          const pubs: Pub[] = []
          const isWanted = (k: Kept | undefined): k is Kept =>
            k !== undefined && k.expiresAt > nowMs
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
        }),
    },

    presence: {
      add: (channel, member, ttlMs) =>
        open(() => {
          const copy = frozenJsonCopy(member, 'member') as Member
          const entry: PresenceEntry = { channel, member: copy, expiresAt: now() + ttlMs }
          const members = store.presence.get(channel) ?? new Map<string, PresenceEntry>()
          const old = members.get(copy.client)
          if (old !== undefined) store.presenceOrder.delete(old)
          store.presence.set(channel, members.set(copy.client, entry))
          store.presenceOrder.add(entry)
        }),
      remove: (channel, client) =>
        open(() => {
          const entry = store.presence.get(channel)?.get(client)
          if (entry !== undefined) removePresence(store, entry)
        }),
      list: (channel) =>
        open(() => {
          const nowMs = now()
          const live: Member[] = []
          for (const entry of store.presence.get(channel)?.values() ?? []) {
            if (entry.expiresAt > nowMs) live.push(entry.member)
            else removePresence(store, entry)
          }
          return live
        }),
    },

    state: {
      get: (key) =>
        open((): unknown => {
          const json = store.state.get(key)
          return json === undefined ? undefined : JSON.parse(json)
        }),
      set: (key, value) =>
        open(() => {
          const json = JSON.stringify(value) as string | undefined
          if (json === undefined)
            throw new Error(`state value for "${key}" is not JSON-serialisable`)
          store.state.set(key, json)
        }),
      incr: (key, delta) =>
        open(() => {
          if (!Number.isFinite(delta)) throw new Error(`incr delta must be a finite number`)
          const json = store.state.get(key)
          const current: unknown = json === undefined ? 0 : JSON.parse(json)
          if (typeof current !== 'number') throw new Error(`state value "${key}" is not a number`)
          const next = current + delta
          store.state.set(key, JSON.stringify(next))
          return next
        }),
      delete: (key) =>
        open(() => {
          store.state.delete(key)
        }),
    },

    start: (deliver) =>
      open(() => {
        if (node !== undefined) throw new Error('start() may be called only once')
        node = { deliver, channels: new Set(), isClosed: false }
        timer = setInterval(() => {
          sweep(store, now(), streamIdleTtlMs)
        }, sweepIntervalMs)
        // The sweep alone must not keep the process alive.
        timer.unref()
      }),

    close: () =>
      settle(() => {
        if (isClosed) return
        isClosed = true
        clearInterval(timer)
        if (node === undefined) return
        node.isClosed = true
        for (const channel of node.channels) leave(store, node, channel)
        node.channels.clear()
      }),
  }
}
