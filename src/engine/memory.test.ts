import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Member } from '../protocol/index.js'
import { runEngineContract } from './contract.js'
import {
  createMemoryBackend,
  createMemoryEngine,
  inspectMemoryBackend,
  memoryHistoryBytes,
  type MemoryEngineOptions,
} from './memory.js'
import type { BrokerMessage, Deliver, Engine, Retention } from './types.js'

const peersOf = (options: MemoryEngineOptions) => () => {
  const shared = createMemoryBackend()
  return Promise.resolve<[Engine, Engine]>([
    createMemoryEngine({ ...options, shared }),
    createMemoryEngine({ ...options, shared }),
  ])
}

// Once with a busy sweep racing every operation, once with expiry left to the reads alone.
for (const [name, options] of [
  ['memory', { sweepIntervalMs: 10 }],
  ['memory, without sweeps', { sweepIntervalMs: 3_600_000 }],
] as const) {
  runEngineContract(name, () => createMemoryEngine(options), {
    makePeers: peersOf(options),
    makeBoundedEngine: (bound) => {
      const shared = createMemoryBackend()
      const engine = createMemoryEngine({ ...options, ...bound, shared })
      return { engine, historyBytes: () => memoryHistoryBytes(shared) }
    },
  })
}

const keep = (overrides?: Partial<Retention>): Retention => ({
  historySize: 100,
  historyTtlMs: 60_000,
  dedupWindowMs: 60_000,
  ...overrides,
})
const member = (client: string): Member => ({ client, user: `anon:${client}`, name: client })
const draft = (data: unknown, key?: string) => ({ data, time: Date.now(), key })

describe('memory engine', () => {
  const engines: Engine[] = []
  const started = async (options: MemoryEngineOptions = {}, deliver: Deliver = () => undefined) => {
    const engine = createMemoryEngine(options)
    engines.push(engine)
    await engine.start(deliver)
    return engine
  }

  afterEach(async () => {
    vi.useRealTimers()
    await Promise.all(engines.splice(0).map((engine) => engine.close()))
  })

  it('delivers a publication before publish resolves', async () => {
    const received: BrokerMessage[] = []
    const engine = await started({}, (_channel, msg) => received.push(msg))
    await engine.broker.subscribe('now')
    const publishing = engine.broker.publish('now', draft('x'), keep())
    expect(received).toHaveLength(1)
    await publishing
  })

  it('keeps seq order on every node when a deliver callback publishes again', async () => {
    const shared = createMemoryBackend()
    const seen: number[] = []
    const a = await started({ shared }, (_channel, msg) => {
      if (msg.kind === 'pub' && msg.pub.seq === 1) void a.broker.publish('loop', draft(2), keep())
    })
    const b = await started({ shared }, (_channel, msg) => {
      if (msg.kind === 'pub') seen.push(msg.pub.seq)
    })
    await a.broker.subscribe('loop')
    await b.broker.subscribe('loop')
    await a.broker.publish('loop', draft(1), keep())
    expect(seen).toEqual([1, 2])
  })

  it('delivers to every node when one callback throws, then rejects with its error', async () => {
    const shared = createMemoryBackend()
    const seen: string[] = []
    const failing = await started({ shared }, () => {
      throw new Error('deliver failed')
    })
    const other = await started({ shared }, (channel) => seen.push(channel))
    await failing.broker.subscribe('boom')
    await other.broker.subscribe('boom')
    await expect(other.broker.publish('boom', draft(1), keep())).rejects.toThrow('deliver failed')
    expect(seen).toEqual(['boom'])
  })

  it('rejects a second start, and every method once closed', async () => {
    const engine = await started()
    await expect(engine.start(() => undefined)).rejects.toThrow('only once')
    await engine.close()
    await engine.close()
    await expect(engine.broker.history('x', { limit: 1 })).rejects.toThrow('closed')
    await expect(engine.state.get('x')).rejects.toThrow('closed')
  })

  it('rejects values that JSON cannot keep, without taking a seq', async () => {
    const engine = await started()
    await expect(engine.broker.publish('bad', draft(undefined), keep())).rejects.toThrow('JSON')
    await expect(engine.broker.publish('bad', draft(10n), keep())).rejects.toBeInstanceOf(Error)
    await expect(engine.state.set('bad', () => 1)).rejects.toThrow('JSON')
    expect((await engine.broker.history('bad', { limit: 1 })).top.seq).toBe(0)
  })

  it('hides an expired publication kept behind a live one', async () => {
    vi.useFakeTimers()
    const engine = await started()
    await engine.broker.publish('mixed', draft('long'), keep({ historyTtlMs: 60_000 }))
    await engine.broker.publish('mixed', draft('short'), keep({ historyTtlMs: 1_000 }))
    vi.advanceTimersByTime(2_000)
    for (const query of [{ limit: 10 }, { limit: 10, since: { epoch: '', seq: 0 } }]) {
      const { pubs } = await engine.broker.history('mixed', query)
      expect(pubs.map((pub) => pub.data)).toEqual(['long'])
    }
  })

  it('drops an idle stream in the sweep, so its next history starts a new epoch', async () => {
    vi.useFakeTimers()
    const shared = createMemoryBackend()
    const engine = await started({ shared, sweepIntervalMs: 1_000, streamIdleTtlMs: 60_000 })
    const first = await engine.broker.publish('idle', draft(1), keep({ historyTtlMs: 5_000 }))
    vi.advanceTimersByTime(10_000)
    expect(inspectMemoryBackend(shared)).toMatchObject({ streams: 1, keptPubs: 0 })
    vi.advanceTimersByTime(51_000)
    expect(inspectMemoryBackend(shared).streams).toBe(0)
    const page = await engine.broker.history('idle', { limit: 10 })
    expect(page.top.seq).toBe(0)
    expect(page.top.epoch).not.toBe(first.epoch)
  })

  it('keeps an idle stream while a node subscribes to it', async () => {
    vi.useFakeTimers()
    const shared = createMemoryBackend()
    const engine = await started({ shared, streamIdleTtlMs: 60_000 })
    await engine.broker.subscribe('watched')
    const first = await engine.broker.publish('watched', draft(1), keep({ historyTtlMs: 1_000 }))
    vi.advanceTimersByTime(300_000)
    expect(inspectMemoryBackend(shared)).toMatchObject({ streams: 1, keptPubs: 0 })
    const page = await engine.broker.history('watched', { limit: 10 })
    expect(page.top).toEqual(first)
    await engine.broker.unsubscribe('watched')
    vi.advanceTimersByTime(61_000)
    expect(inspectMemoryBackend(shared).streams).toBe(0)
  })

  it('bounds memory: once every TTL has passed, only state is left', async () => {
    vi.useFakeTimers()
    const shared = createMemoryBackend()
    const engine = await started({ shared, streamIdleTtlMs: 30_000 })
    const retention = keep({ historySize: 5, historyTtlMs: 10_000, dedupWindowMs: 20_000 })
    for (let i = 0; i < 500; i++) {
      const channel = `ch-${i % 100}`
      await engine.broker.publish(channel, draft(i, `key-${i}`), retention)
      await engine.presence.add(channel, member(`c${i}`), 15_000)
    }
    await engine.state.incr('total', 500)
    expect(inspectMemoryBackend(shared)).toMatchObject({
      streams: 100,
      keptPubs: 500,
      dedupKeys: 500,
      presenceEntries: 500,
    })
    vi.advanceTimersByTime(5_000)
    // Each stream is queued for one check, however many publications it has.
    expect(inspectMemoryBackend(shared).scheduledChecks).toBe(100)
    vi.advanceTimersByTime(40_000)
    expect(inspectMemoryBackend(shared)).toEqual({
      streams: 0,
      keptPubs: 0,
      dedupKeys: 0,
      presenceEntries: 0,
      stateKeys: 1,
      scheduledChecks: 0,
    })
  })

  it('keeps a long-lived channel bounded by historySize', async () => {
    const shared = createMemoryBackend()
    const engine = await started({ shared })
    const retention = keep({ historySize: 10 })
    for (let i = 1; i <= 10_000; i++) await engine.broker.publish('busy', draft(i), retention)
    expect(inspectMemoryBackend(shared)).toMatchObject({ keptPubs: 10, scheduledChecks: 1 })
    const { pubs } = await engine.broker.history('busy', { limit: 100 })
    expect(pubs.map((pub) => pub.data)).toEqual(Array.from({ length: 10 }, (_, i) => 9_991 + i))
  })
})

describe('memory engine: onCreate', () => {
  const engines: Engine[] = []
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()))
  })

  it('calls onCreate only for a stream that does not exist, and stores nothing when it throws', async () => {
    const engine = createMemoryEngine()
    engines.push(engine)
    await engine.start(() => undefined)
    let created = 0
    const onCreate = () => {
      created += 1
    }
    await engine.broker.publish('a', { ...draft(1), onCreate }, keep())
    await engine.broker.publish('a', { ...draft(2), onCreate }, keep())
    expect(created).toBe(1)
    const refuse = () => {
      throw new Error('no more channels')
    }
    await expect(
      engine.broker.publish('b', { ...draft(1), onCreate: refuse }, keep()),
    ).rejects.toThrow('no more channels')
    await expect(engine.broker.history('c', { limit: 1, onCreate: refuse })).rejects.toThrow(
      'no more channels',
    )
    expect((await engine.broker.history('b', { limit: 1 })).top.seq).toBe(0)
  })
})
