/**
 * The in-memory engine: the reference implementation of the engine contract, for tests and
 * `hubbub serve --memory`. Nothing survives the process. Several engines sharing one
 * {@link MemoryBackend} behave as the nodes of one cluster, so multi-node behaviour can be tested
 * in-process.
 */
import type { Member } from '../protocol/index.js'
import {
  createMemoryBackend,
  evictPast,
  fanOut,
  leave,
  removePresence,
  schedule,
  storeOf,
  sweep,
  type MemoryBackend,
  type Node,
  type PresenceEntry,
} from './memory-backend.js'
import {
  createStream,
  dropExpired,
  keepPub,
  keptCount,
  PUB_OVERHEAD_BYTES,
  readHistory,
  type Stream,
} from './memory-history.js'
import type { Engine } from './types.js'

export {
  createMemoryBackend,
  inspectMemoryBackend,
  memoryHistoryBytes,
  type MemoryBackend,
  type MemoryBackendStats,
} from './memory-backend.js'

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
  /**
   * Bound on the history this backend keeps: the JSON text of every kept publication's data and
   * from, plus 64 bytes per publication and 256 bytes plus the channel name's length per stream
   * (so empty streams count too). Past it, the least recently used streams (published to or read)
   * are dropped first, never the one being published to; their next use starts a new epoch, so
   * resuming clients get `recovered: false`. The heap holds about 2-3 times this (parsed copies).
   * @default 268_435_456 (256 MiB)
   */
  maxHistoryBytes?: number
  /** The clock, in milliseconds since the Unix epoch. @default () => Date.now() */
  now?: () => number
}

const defaults = {
  sweepIntervalMs: 1_000,
  streamIdleTtlMs: 3_600_000,
  maxHistoryBytes: 268_435_456,
  // A wrapper, not `Date.now` itself, so that fake timers installed later are honoured.
  now: (): number => Date.now(),
} satisfies Required<Omit<MemoryEngineOptions, 'shared'>>

/**
 * A deep-frozen JSON copy, stored once, then shared with every reader without aliasing callers;
 * with the length of its JSON text, which it counts towards the history bytes.
 */
const sizedJsonCopy = (value: unknown, what: string): { copy: unknown; length: number } => {
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) throw new Error(`${what} is not JSON-serialisable`)
  const copy: unknown = JSON.parse(json, (_key, item: unknown) =>
    typeof item === 'object' && item !== null ? Object.freeze(item) : item,
  )
  return { copy, length: json.length }
}

const frozenJsonCopy = (value: unknown, what: string): unknown => sizedJsonCopy(value, what).copy

/**
 * A frozen copy of a member, as {@link frozenJsonCopy} would make it, but sharing its strings
 * (immutable, so nothing is aliased) instead of allocating new ones for each presence entry.
 */
const copyMember = (member: Member): Member => {
  const { client, user, name, info } = member
  const copy: Member = { client, user, name }
  if (info !== undefined) {
    const wrapped = frozenJsonCopy({ info }, 'member') as { info?: unknown }
    if ('info' in wrapped) copy.info = wrapped.info
  }
  return Object.freeze(copy)
}

/** Whether `stored` is a copy of `member`; only members without `info` are compared. */
const isSameMember = (stored: Member, member: Member): boolean =>
  stored.client === member.client &&
  stored.user === member.user &&
  stored.name === member.name &&
  stored.info === undefined &&
  member.info === undefined

/** Runs `fn` now, so effects happen before the caller's next line, and reports like an async fn. */
const settle = <T>(fn: () => T): Promise<T> => {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

/** An engine keeping everything in this process; see {@link MemoryEngineOptions}. */
export const createMemoryEngine = (options: MemoryEngineOptions = {}): Engine => {
  const store = storeOf(options.shared ?? createMemoryBackend())
  const sweepIntervalMs = options.sweepIntervalMs ?? defaults.sweepIntervalMs
  const streamIdleTtlMs = options.streamIdleTtlMs ?? defaults.streamIdleTtlMs
  const maxHistoryBytes = options.maxHistoryBytes ?? defaults.maxHistoryBytes
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

  /**
   * The channel's stream, created when absent (after `onCreate`, which may refuse by throwing);
   * marks it used at `nowMs`, which makes it the last to be evicted.
   */
  const touch = (channel: string, nowMs: number, onCreate?: () => void): Stream => {
    let stream = store.streams.get(channel)
    if (stream === undefined) {
      onCreate?.()
      stream = createStream(channel, store.usage)
    } else store.streams.delete(channel)
    store.streams.set(channel, stream)
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
          const sized = sizedJsonCopy(draft.data, 'publication data')
          const data = sized.copy
          const sizedFrom = draft.from && sizedJsonCopy(draft.from, 'publication from')
          const from = sizedFrom && (sizedFrom.copy as Member)
          const bytes = PUB_OVERHEAD_BYTES + sized.length + (sizedFrom ? sizedFrom.length : 0)
          const stream = touch(channel, nowMs, draft.onCreate)
          dropExpired(stream, nowMs)
          stream.seq += 1
          const { seq, epoch } = stream
          const time = draft.time
          const pub = Object.freeze(
            from ? { seq, epoch, data, from, time } : { seq, epoch, data, time },
          )
          const expiresAt = nowMs + retention.historyTtlMs
          keepPub(stream, { pub, expiresAt, bytes }, retention.historySize)
          if (store.usage.bytes > maxHistoryBytes) evictPast(store, stream, maxHistoryBytes)
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
        open(() => {
          const nowMs = now()
          const stream = touch(channel, nowMs, query.onCreate)
          dropExpired(stream, nowMs)
          if (store.usage.bytes > maxHistoryBytes) evictPast(store, stream, maxHistoryBytes)
          checkBy(stream, nowMs + streamIdleTtlMs)
          return readHistory(stream, query, nowMs)
        }),
    },

    presence: {
      add: (channel, member, ttlMs) =>
        open(() => {
          const members = store.presence.get(channel) ?? new Map<string, PresenceEntry>()
          const old = members.get(member.client)
          // A refresh of an unchanged member keeps the stored copy rather than making a new one.
          const copy =
            old !== undefined && isSameMember(old.member, member) ? old.member : copyMember(member)
          const entry: PresenceEntry = { channel, member: copy, expiresAt: now() + ttlMs }
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
