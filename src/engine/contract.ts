/**
 * The engine contract suite: what every {@link Engine} (memory, sqlite, redis) must do, as vitest
 * tests. Call it at the top level of an engine's test file. Deliveries and expiries are awaited by
 * polling, never assumed synchronous, so engines that deliver through a network pass too.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Member, Pub } from '../protocol/index.js'
import type { BrokerMessage, Engine, HistoryQuery, PubDraft, Retention } from './types.js'

export interface EngineContractOptions {
  /**
   * Two new, unstarted engines on one backend, acting as two nodes of one cluster.
   * @default undefined (the multi-node tests are skipped)
   */
  makePeers?: () => Promise<[Engine, Engine]>
  /** How long a test waits for a delivery or an expiry before it fails. @default 2_000 */
  waitTimeoutMs?: number
  /** The short TTL of the expiry tests; raise it for backends with coarse expiry. @default 80 */
  ttlMs?: number
}

const contractDefaults = { waitTimeoutMs: 2_000, ttlMs: 80 }

interface Started {
  engine: Engine
  received: { channel: string; msg: BrokerMessage }[]
}

let uidCount = 0
/** A channel or key name no other test (or earlier run against a shared backend) uses. */
const uid = (label: string): string =>
  `${label}-${(uidCount += 1).toString(36)}-${Math.random().toString(36).slice(2, 10)}`

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const keep = (overrides?: Partial<Retention>): Retention => ({
  historySize: 100,
  historyTtlMs: 60_000,
  dedupWindowMs: 60_000,
  ...overrides,
})

const draft = (data: unknown, extra?: Partial<PubDraft>): PubDraft => ({
  data,
  time: Date.now(),
  ...extra,
})

const member = (client: string, name = client, user = `anon:${client}`): Member => ({
  client,
  user,
  name,
})

const messagesOn = (node: Started, channel: string): BrokerMessage[] =>
  node.received.filter((r) => r.channel === channel).map((r) => r.msg)

const pubsOn = (node: Started, channel: string): Pub[] =>
  messagesOn(node, channel).flatMap((msg) => (msg.kind === 'pub' ? [msg.pub] : []))

const byClient = (members: Member[]): Member[] =>
  [...members].sort((a, b) => a.client.localeCompare(b.client))

/** Runs the contract against the engines `makeEngine` returns (new and unstarted each time). */
export const runEngineContract = (
  name: string,
  makeEngine: () => Engine | Promise<Engine>,
  options: EngineContractOptions = {},
): void => {
  const waitTimeoutMs = options.waitTimeoutMs ?? contractDefaults.waitTimeoutMs
  const ttlMs = options.ttlMs ?? contractDefaults.ttlMs
  const { makePeers } = options
  const opened = new Set<Engine>()

  const eventually = async (what: string, check: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + waitTimeoutMs
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${waitTimeoutMs} ms: ${what}`)
      await sleep(5)
    }
  }

  const startNode = async (engine: Engine): Promise<Started> => {
    const node: Started = { engine, received: [] }
    opened.add(engine)
    await engine.start((channel, msg) => node.received.push({ channel, msg }))
    return node
  }
  const start = async (): Promise<Started> => startNode(await makeEngine())
  const startPeers = async (): Promise<[Started, Started]> => {
    if (makePeers === undefined) throw new Error('makePeers is required for multi-node tests')
    const [a, b] = await makePeers()
    return [await startNode(a), await startNode(b)]
  }
  const close = async (node: Started): Promise<void> => {
    opened.delete(node.engine)
    await node.engine.close()
  }

  /**
   * Resolves once everything `node` published before it has been delivered to `node`: a signal it
   * emits to itself arrives after them (engines deliver one node's messages in the order sent).
   */
  const barrier = async (node: Started): Promise<void> => {
    const channel = uid('barrier')
    await node.engine.broker.subscribe(channel)
    await node.engine.broker.emit(channel, { kind: 'signal', from: member('barrier'), data: null })
    await eventually('the barrier signal', () => messagesOn(node, channel).length > 0)
  }

  const publishAll = async (node: Started, channel: string, count: number, retention = keep()) => {
    const positions = []
    for (let i = 1; i <= count; i++) {
      positions.push(await node.engine.broker.publish(channel, draft(i), retention))
    }
    return positions
  }

  const historyData = async (node: Started, channel: string, query: HistoryQuery) =>
    (await node.engine.broker.history(channel, query)).pubs.map((pub) => pub.data)

  describe(`engine contract: ${name}`, () => {
    afterEach(async () => {
      const engines = [...opened]
      opened.clear()
      await Promise.all(engines.map((engine) => engine.close()))
    })

    describe('broker: publish and history', () => {
      it('numbers publications 1, 2, 3… per channel within one epoch', async () => {
        const node = await start()
        const [channel, other] = [uid('seq'), uid('seq')]
        const positions = await publishAll(node, channel, 3)
        const [otherPosition] = await publishAll(node, other, 1)
        expect(positions.map((p) => p.seq)).toEqual([1, 2, 3])
        const epoch = positions[0]?.epoch
        expect(typeof epoch === 'string' && epoch.length > 0).toBe(true)
        expect(positions.every((p) => p.epoch === epoch)).toBe(true)
        expect(otherPosition?.seq).toBe(1)
        const page = await node.engine.broker.history(channel, { limit: 10 })
        expect(page.top).toEqual({ epoch, seq: 3 })
        const kept = page.pubs.map((pub) => ({ seq: pub.seq, epoch: pub.epoch, data: pub.data }))
        expect(kept).toEqual([1, 2, 3].map((seq) => ({ seq, epoch, data: seq })))
      })

      it('creates the stream at seq 0 on first history and keeps its epoch', async () => {
        const { engine } = await start()
        const channel = uid('fresh')
        const first = await engine.broker.history(channel, { limit: 10 })
        expect(first.top.seq).toBe(0)
        expect(first.top.epoch).not.toBe('')
        expect(first.pubs).toEqual([])
        expect((await engine.broker.history(channel, { limit: 10 })).top).toEqual(first.top)
        const position = await engine.broker.publish(channel, draft('x'), keep())
        expect(position).toEqual({ epoch: first.top.epoch, seq: 1 })
      })

      it('keeps copies of data, from and time, and no from when the draft has none', async () => {
        const { engine } = await start()
        const channel = uid('fields')
        const from: Member = { ...member('c1', 'Alice', 'u1'), info: { role: 'admin' } }
        const time = 1_700_000_000_000
        const data = { text: 'hi', list: [1, 'two', null] }
        const { epoch } = await engine.broker.publish(channel, { data, from, time }, keep())
        await engine.broker.publish(channel, { data: 'plain', time, key: uid('key') }, keep())
        data.list.push('changed')
        from.name = 'changed'
        const [withFrom, plain] = (await engine.broker.history(channel, { limit: 10 })).pubs
        expect(withFrom).toEqual({
          seq: 1,
          epoch,
          data: { text: 'hi', list: [1, 'two', null] },
          from: { ...member('c1', 'Alice', 'u1'), info: { role: 'admin' } },
          time,
        })
        expect(plain).toEqual({ seq: 2, epoch, data: 'plain', time })
        expect(Object.keys(plain ?? {}).sort()).toEqual(['data', 'epoch', 'seq', 'time'])
      })

      it('gives concurrent publishes distinct, gapless seqs in history order', async () => {
        const { engine } = await start()
        const channel = uid('concurrent')
        const positions = await Promise.all(
          Array.from({ length: 50 }, (_, i) => engine.broker.publish(channel, draft(i), keep())),
        )
        const seqs = positions.map((p) => p.seq).sort((a, b) => a - b)
        expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
        const { pubs } = await engine.broker.history(channel, { limit: 100 })
        expect(pubs.map((pub) => pub.seq)).toEqual(seqs)
        for (const [i, position] of positions.entries()) {
          expect(pubs[position.seq - 1]?.data).toBe(i)
        }
      })

      it('without since returns the newest `limit`, oldest first unless reverse', async () => {
        const node = await start()
        const channel = uid('latest')
        await publishAll(node, channel, 10)
        expect(await historyData(node, channel, { limit: 3 })).toEqual([8, 9, 10])
        expect(await historyData(node, channel, { limit: 3, reverse: true })).toEqual([10, 9, 8])
        expect(await historyData(node, channel, { limit: 100 })).toHaveLength(10)
        expect(await historyData(node, channel, { limit: 0 })).toEqual([])
      })

      it('with since returns what follows it, oldest first, at most `limit`', async () => {
        const node = await start()
        const channel = uid('since')
        const [first] = await publishAll(node, channel, 10)
        const since = (seq: number) => ({ epoch: first?.epoch ?? '', seq })
        expect(await historyData(node, channel, { since: since(4), limit: 3 })).toEqual([5, 6, 7])
        expect(await historyData(node, channel, { since: since(0), limit: 100 })).toHaveLength(10)
        expect(await historyData(node, channel, { since: since(10), limit: 10 })).toEqual([])
        expect(await historyData(node, channel, { since: since(12), limit: 10 })).toEqual([])
        const elsewhere = { since: { epoch: 'another-epoch', seq: 8 }, limit: 10 }
        expect(await historyData(node, channel, elsewhere)).toEqual([9, 10])
      })

      it('keeps only the newest historySize publications while seq goes on', async () => {
        const node = await start()
        const channel = uid('size')
        await publishAll(node, channel, 7, keep({ historySize: 3 }))
        const page = await node.engine.broker.history(channel, { limit: 10 })
        expect(page.top.seq).toBe(7)
        expect(page.pubs.map((pub) => pub.seq)).toEqual([5, 6, 7])
        const since = { since: { epoch: page.top.epoch, seq: 2 }, limit: 10 }
        expect(await historyData(node, channel, since)).toEqual([5, 6, 7])
      })

      it('keeps nothing with historySize 0, yet advances seq and delivers', async () => {
        const node = await start()
        const channel = uid('none')
        await node.engine.broker.subscribe(channel)
        const positions = await publishAll(node, channel, 3, keep({ historySize: 0 }))
        expect(positions.map((p) => p.seq)).toEqual([1, 2, 3])
        const page = await node.engine.broker.history(channel, { limit: 10 })
        expect(page).toEqual({ top: positions[2], pubs: [] })
        await eventually('three deliveries', () => pubsOn(node, channel).length === 3)
      })

      it('stops returning publications older than historyTtlMs, keeping the position', async () => {
        const node = await start()
        const channel = uid('ttl')
        const positions = await publishAll(node, channel, 2, keep({ historyTtlMs: ttlMs }))
        expect(await historyData(node, channel, { limit: 10 })).toEqual([1, 2])
        await eventually(
          'expiry',
          async () => (await historyData(node, channel, { limit: 10 })).length === 0,
        )
        const page = await node.engine.broker.history(channel, { limit: 10 })
        expect(page.top).toEqual(positions[1])
        const next = await node.engine.broker.publish(channel, draft(3), keep())
        expect(next).toEqual({ epoch: page.top.epoch, seq: 3 })
      })
    })

    describe('broker: idempotency keys', () => {
      it('answers a repeated key with the first position and delivers nothing', async () => {
        const node = await start()
        const { broker } = node.engine
        const [channel, other, key] = [uid('dedup'), uid('dedup'), uid('key')]
        await broker.subscribe(channel)
        const first = await broker.publish(channel, draft('a', { key }), keep())
        expect(await broker.publish(channel, draft('b', { key }), keep())).toEqual(first)
        expect((await broker.publish(channel, draft('c', { key: uid('key') }), keep())).seq).toBe(2)
        expect((await broker.publish(other, draft('d', { key }), keep())).seq).toBe(1)
        await barrier(node)
        expect(pubsOn(node, channel).map((pub) => pub.data)).toEqual(['a', 'c'])
        expect(await historyData(node, channel, { limit: 10 })).toEqual(['a', 'c'])
      })

      it('forgets a key after dedupWindowMs', async () => {
        const { engine } = await start()
        const [channel, key] = [uid('dedup'), uid('key')]
        const retention = keep({ dedupWindowMs: ttlMs })
        expect((await engine.broker.publish(channel, draft(1, { key }), retention)).seq).toBe(1)
        await eventually(
          'the key to be forgotten',
          async () =>
            (await engine.broker.publish(channel, draft(2, { key }), retention)).seq === 2,
        )
      })
    })

    describe('broker: delivery', () => {
      it('delivers publications of subscribed channels only, in seq order', async () => {
        const node = await start()
        const { broker } = node.engine
        const [channel, other] = [uid('live'), uid('live')]
        await broker.publish(channel, draft('before'), keep())
        await broker.subscribe(channel)
        await publishAll(node, channel, 5)
        await broker.publish(other, draft('elsewhere'), keep())
        await barrier(node)
        expect(pubsOn(node, channel).map((pub) => pub.seq)).toEqual([2, 3, 4, 5, 6])
        expect(pubsOn(node, channel)).toEqual((await broker.history(channel, { limit: 5 })).pubs)
        expect(messagesOn(node, other)).toEqual([])
      })

      it('stops delivering after unsubscribe; unknown channels are a no-op', async () => {
        const node = await start()
        const { broker } = node.engine
        const channel = uid('unsub')
        await broker.subscribe(channel)
        await broker.publish(channel, draft('a'), keep())
        await eventually('the first delivery', () => pubsOn(node, channel).length === 1)
        await broker.unsubscribe(channel)
        await broker.unsubscribe(uid('never-subscribed'))
        await broker.publish(channel, draft('b'), keep())
        await barrier(node)
        expect(pubsOn(node, channel).map((pub) => pub.data)).toEqual(['a'])
      })

      it('emits signal, join and leave to subscribers without storing them', async () => {
        const node = await start()
        const { broker } = node.engine
        const [channel, other] = [uid('emit'), uid('emit')]
        const alice = member('c1', 'Alice')
        const sent: Exclude<BrokerMessage, { kind: 'pub' }>[] = [
          { kind: 'signal', from: alice, data: { typing: true } },
          { kind: 'join', member: alice },
          { kind: 'leave', member: alice },
        ]
        await broker.subscribe(channel)
        for (const msg of sent) await broker.emit(channel, msg)
        await broker.emit(other, { kind: 'join', member: alice })
        await barrier(node)
        expect(messagesOn(node, channel)).toEqual(sent)
        expect(messagesOn(node, other)).toEqual([])
        expect((await broker.history(channel, { limit: 10 })).top.seq).toBe(0)
      })

      it('delivers nothing once closed', async () => {
        const node = await start()
        const channel = uid('closed')
        await node.engine.broker.subscribe(channel)
        await close(node)
        // A closed engine may reject; either way nothing may be delivered.
        await Promise.allSettled([node.engine.broker.publish(channel, draft('late'), keep())])
        await sleep(20)
        expect(messagesOn(node, channel)).toEqual([])
      })
    })

    describe('presence', () => {
      it('lists one entry per client, replaced by add and gone after remove', async () => {
        const { engine } = await start()
        const [channel, other] = [uid('room'), uid('room')]
        await engine.presence.add(channel, member('c1', 'Alice', 'u1'), 60_000)
        await engine.presence.add(channel, member('c2', 'Alice', 'u1'), 60_000)
        await engine.presence.add(channel, member('c3'), 60_000)
        await engine.presence.add(channel, member('c1', 'Alicia', 'u1'), 60_000)
        await engine.presence.remove(channel, 'c3')
        await engine.presence.remove(channel, 'c3')
        await engine.presence.remove(other, 'c2')
        expect(byClient(await engine.presence.list(channel))).toEqual([
          member('c1', 'Alicia', 'u1'),
          member('c2', 'Alice', 'u1'),
        ])
        expect(await engine.presence.list(other)).toEqual([])
      })

      it('drops entries whose TTL passed', async () => {
        const { engine } = await start()
        const channel = uid('room')
        await engine.presence.add(channel, member('short'), ttlMs)
        await engine.presence.add(channel, member('long'), 60_000)
        await eventually('expiry', async () => (await engine.presence.list(channel)).length === 1)
        expect(await engine.presence.list(channel)).toEqual([member('long')])
      })

      it('extends an entry by refreshing it', async () => {
        const { engine } = await start()
        const channel = uid('room')
        const entryTtlMs = ttlMs * 2
        await engine.presence.add(channel, member('c1'), entryTtlMs)
        const firstExpiryMs = Date.now() + entryTtlMs
        await sleep(entryTtlMs / 2)
        const refreshedAt = Date.now()
        await engine.presence.add(channel, member('c1'), entryTtlMs)
        await sleep(firstExpiryMs + 10 - Date.now())
        const members = await engine.presence.list(channel)
        // Only conclusive when the list ran before the refreshed entry may expire.
        if (Date.now() < refreshedAt + entryTtlMs) expect(members).toEqual([member('c1')])
        await eventually('expiry', async () => (await engine.presence.list(channel)).length === 0)
      })

      it('does not alias the member it was given', async () => {
        const { engine } = await start()
        const channel = uid('room')
        const given: Member = { ...member('c1'), info: { tags: ['a'] } }
        await engine.presence.add(channel, given, 60_000)
        given.name = 'changed'
        given.info = { tags: ['b'] }
        expect(await engine.presence.list(channel)).toEqual([
          { ...member('c1'), info: { tags: ['a'] } },
        ])
      })
    })

    describe('state', () => {
      it('gets, sets, overwrites and deletes JSON values', async () => {
        const { engine } = await start()
        const key = uid('key')
        expect(await engine.state.get(key)).toBeUndefined()
        await engine.state.set(key, { read: [1, 2], at: 'x' })
        expect(await engine.state.get(key)).toEqual({ read: [1, 2], at: 'x' })
        await engine.state.set(key, null)
        expect(await engine.state.get(key)).toBeNull()
        await engine.state.delete(key)
        await engine.state.delete(key)
        expect(await engine.state.get(key)).toBeUndefined()
      })

      it('increments atomically, counting an absent value as 0', async () => {
        const { engine } = await start()
        const [key, other] = [uid('counter'), uid('counter')]
        expect(await engine.state.incr(key, 5)).toBe(5)
        expect(await engine.state.incr(key, -2)).toBe(3)
        await Promise.all(Array.from({ length: 100 }, () => engine.state.incr(key, 1)))
        expect(await engine.state.get(key)).toBe(103)
        await engine.state.set(other, 10)
        expect(await engine.state.incr(other, 1)).toBe(11)
      })

      it('rejects with an Error when incrementing a value that is not a number', async () => {
        const { engine } = await start()
        const key = uid('text')
        await engine.state.set(key, 'text')
        await expect(engine.state.incr(key, 1)).rejects.toBeInstanceOf(Error)
        expect(await engine.state.get(key)).toBe('text')
      })

      it('does not alias stored values', async () => {
        const { engine } = await start()
        const key = uid('key')
        const value = { list: [1] }
        await engine.state.set(key, value)
        value.list.push(2)
        const got = (await engine.state.get(key)) as { list: number[] }
        expect(got).toEqual({ list: [1] })
        got.list.push(3)
        expect(await engine.state.get(key)).toEqual({ list: [1] })
      })
    })

    describe.skipIf(makePeers === undefined)('several nodes on one backend', () => {
      it('share one stream, each subscribed node seeing every publication in seq order', async () => {
        const [a, b] = await startPeers()
        const channel = uid('shared')
        await Promise.all([a.engine.broker.subscribe(channel), b.engine.broker.subscribe(channel)])
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? a : b).engine.broker.publish(channel, draft(i), keep()),
          ),
        )
        const all = Array.from({ length: 40 }, (_, i) => i + 1)
        for (const node of [a, b]) {
          await eventually('every delivery', () => pubsOn(node, channel).length === 40)
          expect(pubsOn(node, channel).map((pub) => pub.seq)).toEqual(all)
        }
        const [pageA, pageB] = await Promise.all(
          [a, b].map((node) => node.engine.broker.history(channel, { limit: 100 })),
        )
        expect(pageA).toEqual(pageB)
      })

      it('deliver to each node only the channels it subscribed', async () => {
        const [a, b] = await startPeers()
        const [x, y] = [uid('x'), uid('y')]
        await a.engine.broker.subscribe(x)
        await b.engine.broker.subscribe(y)
        await a.engine.broker.publish(y, draft('for b'), keep())
        await b.engine.broker.emit(x, { kind: 'join', member: member('c1') })
        await eventually('cross deliveries', () => {
          return messagesOn(a, x).length === 1 && pubsOn(b, y).length === 1
        })
        await Promise.all([barrier(a), barrier(b)])
        expect(messagesOn(a, y)).toEqual([])
        expect(messagesOn(b, x)).toEqual([])
      })

      it('share presence and state', async () => {
        const [a, b] = await startPeers()
        const [channel, key] = [uid('room'), uid('counter')]
        await a.engine.presence.add(channel, member('c1'), 60_000)
        await b.engine.presence.add(channel, member('c2'), 60_000)
        expect(byClient(await b.engine.presence.list(channel))).toEqual([
          member('c1'),
          member('c2'),
        ])
        await a.engine.presence.remove(channel, 'c2')
        expect(await b.engine.presence.list(channel)).toEqual([member('c1')])
        await Promise.all([a.engine.state.incr(key, 2), b.engine.state.incr(key, 3)])
        expect(await a.engine.state.get(key)).toBe(5)
      })

      it('keep a node working after its peer closed', async () => {
        const [a, b] = await startPeers()
        const channel = uid('survivor')
        await a.engine.broker.subscribe(channel)
        await b.engine.broker.subscribe(channel)
        await close(a)
        expect((await b.engine.broker.publish(channel, draft('x'), keep())).seq).toBe(1)
        await eventually('the delivery', () => pubsOn(b, channel).length === 1)
        expect(messagesOn(a, channel)).toEqual([])
      })
    })
  })
}
