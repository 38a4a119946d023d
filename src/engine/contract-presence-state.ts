/** The engine contract, presence and state part. Called by `runEngineContract` in `contract.ts`. */
import { describe, expect, it } from 'vitest'
import type { Member } from '../protocol/index.js'
import { byClient, member, sleep, uid, type ContractHarness } from './contract-harness.js'

/** What every engine must do with presence entries and state values on one node. */
export const describePresenceStateContract = (harness: ContractHarness): void => {
  const { ttlMs, eventually, start } = harness

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
}
