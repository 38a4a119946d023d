import type { App, ChannelOptions, HubApi, RpcCaller } from '../../server/index.js'
import { createBackground, type Background } from '../shared/background.js'
import { nameOfChannel, readInteger, readName, readParams } from '../shared/params.js'
import { createObjectBudget } from '../shared/object-budget.js'
import { createUserRateLimit } from '../shared/user-rate-limit.js'

/** Options of {@link createCounterApp}. Every field is optional. */
export interface CounterAppOptions {
  /** Largest |delta| of one `counter.add`. @default 1_000 */
  maxDelta?: number
  /** Sustained `counter.add` calls per second per user (clients; the server is not limited). @default 10 */
  addsPerSecond?: number
  /** How many `counter.add` calls a user may make at once. @default 30 */
  addBurst?: number
  /**
   * Counters kept (in State, forever): past it the least recently changed counter nobody
   * subscribes to is deleted; when the oldest are all watched, a new one is `quota`. @default 100_000
   */
  maxCounters?: number
  /** Sustained new counters per second per connection and per user. @default 1 */
  createsPerSecond?: number
  /** New counters a connection or a user may create at once. @default 20 */
  createBurst?: number
}

export const counterDefaults: Required<CounterAppOptions> = {
  maxDelta: 1_000,
  addsPerSecond: 10,
  addBurst: 30,
  maxCounters: 100_000,
  createsPerSecond: 1,
  createBurst: 20,
}

/** What `counter:<name>` publications carry, and its subscribe `state`. */
export interface CounterValue {
  value: number
}

/** The counter app, plus a way for other apps (the plain `/counter` endpoint) to change a counter. */
export interface CounterApp extends App {
  /**
   * Changes counter `name` by `delta` as `counter.add { name, delta }` from `caller` would (its
   * rate limit, bounds and the counter budget apply) and resolves with the new value; rejects
   * with the rpc's `ReplyError`s, and before `setup`.
   */
  add(name: string, delta: number, caller: RpcCaller): Promise<CounterValue>
}

const PREFIX = 'counter:'
const stateKey = (name: string): string => `counter:${name}`

/**
 * Publishes a counter's value after changes. One loop per counter on this node: it publishes the
 * value it reads, then reads again and goes on while the value differs, so a burst of changes is
 * coalesced and the last publication always carries a value read after the last change (also
 * when several nodes change one counter: whichever node publishes last re-reads after it).
 */
const createPublisher = (hub: HubApi, background: Background): ((name: string) => void) => {
  const dirty = new Set<string>()
  const running = new Set<string>()
  const read = async (name: string): Promise<number> => {
    const value = await hub.state.get(stateKey(name))
    return typeof value === 'number' ? value : 0
  }
  const flush = async (name: string): Promise<void> => {
    try {
      while (dirty.delete(name)) {
        const value = await read(name)
        await hub.publish(`${PREFIX}${name}`, { value } satisfies CounterValue)
        if ((await read(name)) !== value) dirty.add(name)
      }
    } finally {
      running.delete(name)
    }
  }
  return (name) => {
    dirty.add(name)
    if (running.has(name)) return
    running.add(name)
    background.run(`publishing counter "${name}"`, flush(name))
  }
}

/**
 * Live counters (DESIGN.md §8): channels `counter:<name>` carry `{ value }`; rpc `counter.add
 * { name, delta }` changes a value atomically in State (key `counter:<name>`) and resolves with
 * `{ value }`. Only the rpc changes a counter (clients may not publish); subscribers get the value
 * as the subscribe `state` and a publication after every change (coalesced under load).
 */
export const createCounterApp = (options: CounterAppOptions = {}): CounterApp => {
  const maxDelta = options.maxDelta ?? counterDefaults.maxDelta
  const limit = createUserRateLimit(
    options.addsPerSecond ?? counterDefaults.addsPerSecond,
    options.addBurst ?? counterDefaults.addBurst,
  )
  let background: Background | undefined
  let add: ((params: unknown, caller: RpcCaller) => Promise<CounterValue>) | undefined
  return {
    name: 'counter',
    add(name, delta, caller) {
      if (add === undefined)
        return Promise.reject(new Error('the counter app is not set up (pass it to createServer)'))
      return add({ name, delta }, caller)
    },
    setup(hub) {
      const work = createBackground(hub.log)
      background = work
      const changed = createPublisher(hub, work)
      hub.channel(`${PREFIX}*`, {
        historySize: 1,
        access: { publish: 'server' },
        backpressure: 'latest',
        state: async (channel): Promise<CounterValue> => {
          const value = await hub.state.get(stateKey(nameOfChannel(channel, PREFIX)))
          return { value: typeof value === 'number' ? value : 0 }
        },
      } satisfies ChannelOptions)
      const counters = createObjectBudget({
        maxObjects: options.maxCounters ?? counterDefaults.maxCounters,
        createsPerSecond: options.createsPerSecond ?? counterDefaults.createsPerSecond,
        createBurst: options.createBurst ?? counterDefaults.createBurst,
        what: 'counters',
        isLive: async (name) => (await hub.presence(`${PREFIX}${name}`)).length > 0,
        evict: (name) => hub.state.delete(stateKey(name)),
      })
      const change = async (raw: unknown, caller: RpcCaller): Promise<CounterValue> => {
        const params = readParams(raw)
        if (!caller.isServer) limit.take(caller.member.user, 'counter changes')
        const name = readName(params, 'name')
        const delta = readInteger(params, 'delta', -maxDelta, maxDelta)
        await counters.admit(name, caller)
        const value = await hub.state.incr(stateKey(name), delta)
        if (delta !== 0) changed(name)
        return { value }
      }
      add = change
      hub.rpc('counter.add', change)
    },
    async close() {
      await background?.idle()
    },
  }
}
