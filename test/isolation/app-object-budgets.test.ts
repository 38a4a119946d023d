/**
 * hubbub issue 11: stored app objects are bounded server-wide and their creation is budgeted per
 * connection and per user. Counters and notification inboxes, through real connections.
 */
import { describe, expect, it } from 'vitest'
import { createCounterApp, createNotifyApp } from '../../src/apps/index.js'
import { useServer } from '../support/harness.js'
import { opened } from '../support/frames.js'
import { TestClient } from '../support/protocol-client.js'

const { start, connect, track } = useServer()

/** A client connecting from `localAddress` (any 127.x address reaches loopback). */
const connectFrom = async (port: number, localAddress: string): Promise<TestClient> => {
  const client = track(new TestClient(`ws://127.0.0.1:${port}`, { localAddress }))
  await opened(client.ws)
  await client.request({ type: 'connect', name: 'Visitor' })
  return client
}

const rpc = (client: TestClient, method: string, params: unknown) =>
  client.call({ type: 'rpc', method, params })

const outcome = (reply: Record<string, unknown>): unknown =>
  'error' in reply ? (reply.error as { code: string }).code : reply.result

describe('app object budgets', () => {
  it('past maxCounters the oldest unwatched counter is evicted, a watched one never; all watched is quota', async () => {
    await start({ apps: [createCounterApp({ maxCounters: 3 })] })
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'counter:kept' })
    expect(outcome(await rpc(watcher, 'counter.add', { name: 'kept', delta: 5 }))).toEqual({
      value: 5,
    })
    const junk = await connect('Junk')
    for (const name of ['a', 'b', 'c', 'd'])
      expect(outcome(await rpc(junk, 'counter.add', { name, delta: 1 }))).toEqual({ value: 1 })
    // a was evicted for c, b for d; kept, being watched, was passed over.
    expect(outcome(await rpc(watcher, 'counter.add', { name: 'kept', delta: 0 }))).toEqual({
      value: 5,
    })
    await watcher.request({ type: 'subscribe', channel: 'counter:c' })
    await watcher.request({ type: 'subscribe', channel: 'counter:d' })
    const refused = await rpc(junk, 'counter.add', { name: 'e', delta: 1 })
    expect(refused.error).toMatchObject({ code: 'quota' })
    expect((refused.error as { message: string }).message).toContain('at most 3 counters')
    expect(outcome(await rpc(junk, 'counter.add', { name: 'c', delta: 1 }))).toEqual({ value: 2 })
  })

  it('a connection creates at most createBurst new counters at once; others still can', async () => {
    await start({ apps: [createCounterApp({ createBurst: 2, createsPerSecond: 0.001 })] })
    const junk = await connect('Junk')
    expect(outcome(await rpc(junk, 'counter.add', { name: 'j1', delta: 1 }))).toEqual({ value: 1 })
    expect(outcome(await rpc(junk, 'counter.add', { name: 'j2', delta: 1 }))).toEqual({ value: 1 })
    expect(outcome(await rpc(junk, 'counter.add', { name: 'j3', delta: 1 }))).toBe(
      'too_many_requests',
    )
    // Known counters cost nothing.
    expect(outcome(await rpc(junk, 'counter.add', { name: 'j1', delta: 1 }))).toEqual({ value: 2 })
    const other = await connect('Other')
    expect(outcome(await rpc(other, 'counter.add', { name: 'o1', delta: 1 }))).toEqual({
      value: 1,
    })
  })

  it("one IP address creates at most 5 connections' budgets, however many connections it opens", async () => {
    const hubbub = await start({
      apps: [createCounterApp({ createBurst: 2, createsPerSecond: 0.001 })],
    })
    let created = 0
    for (let i = 0; i < 5; i++) {
      const client = await connectFrom(hubbub.port, '127.0.0.1')
      for (const name of [`n${i}a`, `n${i}b`])
        if (outcome(await rpc(client, 'counter.add', { name, delta: 1 })) !== 'too_many_requests')
          created++
    }
    expect(created).toBe(10)
    // A fresh connection (and a fresh anonymous user) from the same address is refused.
    const fresh = await connectFrom(hubbub.port, '127.0.0.1')
    const refused = await rpc(fresh, 'counter.add', { name: 'more', delta: 1 })
    expect(refused.error).toMatchObject({ code: 'too_many_requests' })
    expect((refused.error as { message: string }).message).toContain('from your address')
    // Someone elsewhere is not held to that address's budget.
    const elsewhere = await connectFrom(hubbub.port, '127.0.0.2')
    expect(outcome(await rpc(elsewhere, 'counter.add', { name: 'mine', delta: 1 }))).toEqual({
      value: 1,
    })
  })

  it('past maxInboxes the inbox of a user who does not watch it goes; a watched one stays', async () => {
    await start({ apps: [createNotifyApp({ maxInboxes: 2 })] })
    const send = async (client: TestClient) =>
      outcome(
        await rpc(client, 'notify.send', { user: client.member?.user, title: 'hi', body: '' }),
      )
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: `notify:${alice.member?.user ?? ''}` })
    const bob = await connect('Bob')
    const carol = await connect('Carol')
    expect(await send(alice)).toMatchObject({ id: '1' })
    expect(await send(bob)).toMatchObject({ id: '1' })
    expect(await send(carol)).toMatchObject({ id: '1' })
    expect(outcome(await rpc(bob, 'notify.list', {}))).toEqual({ items: [], unread: 0 })
    expect(outcome(await rpc(alice, 'notify.list', {}))).toMatchObject({ unread: 1 })
    await carol.request({ type: 'subscribe', channel: `notify:${carol.member?.user ?? ''}` })
    expect(await send(bob)).toBe('quota')
  })
})
