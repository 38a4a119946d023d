/**
 * The engine contract, broker part: publish and history, idempotency keys, and delivery to the
 * node that subscribed. Called by `runEngineContract` in `contract.ts`.
 */
import { describe, expect, it } from 'vitest'
import type { Member } from '../protocol/index.js'
import {
  draft,
  keep,
  member,
  messagesOn,
  pubsOn,
  sleep,
  uid,
  type ContractHarness,
} from './contract-harness.js'
import type { BrokerMessage } from './types.js'

/** What every broker must do with one node: number, keep, dedupe and deliver publications. */
export const describeBrokerContract = (harness: ContractHarness): void => {
  const { ttlMs, eventually, start, close, barrier, publishAll, historyData } = harness

  describe('broker: publish and history', () => {
    it('calls onCreate only before creating a stream, and creates nothing when it throws', async () => {
      const { engine } = await start()
      const [a, b, c] = [uid('create'), uid('create'), uid('create')]
      let created = 0
      const onCreate = () => {
        created += 1
      }
      await engine.broker.publish(a, draft(1, { onCreate }), keep())
      await engine.broker.publish(a, draft(2, { onCreate }), keep())
      await engine.broker.history(a, { limit: 1, onCreate })
      expect(created).toBe(1)
      const refuse = () => {
        throw new Error('no more channels')
      }
      await expect(
        engine.broker.publish(b, draft(1, { onCreate: refuse }), keep()),
      ).rejects.toThrow('no more channels')
      await expect(engine.broker.history(c, { limit: 1, onCreate: refuse })).rejects.toThrow(
        'no more channels',
      )
      expect((await engine.broker.history(b, { limit: 1 })).top.seq).toBe(0)
    })

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
        async () => (await engine.broker.publish(channel, draft(2, { key }), retention)).seq === 2,
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
}
