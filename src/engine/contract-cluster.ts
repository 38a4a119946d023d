/**
 * The engine contract, multi-node part: two engines on one backend acting as nodes of one
 * cluster. Called by `runEngineContract` in `contract.ts`; registered only with `makePeers`.
 */
import { describe, expect, it } from 'vitest'
import {
  byClient,
  draft,
  keep,
  member,
  messagesOn,
  pubsOn,
  uid,
  type ContractHarness,
} from './contract-harness.js'

/** What engines sharing one backend must do together. */
export const describeClusterContract = (harness: ContractHarness): void => {
  const { hasPeers, eventually, startPeers, close, barrier } = harness

  // A single-node engine (SQLite) has no peers: the multi-node part is not registered at all.
  if (!hasPeers) return
  describe('several nodes on one backend', () => {
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
      expect(byClient(await b.engine.presence.list(channel))).toEqual([member('c1'), member('c2')])
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
}
