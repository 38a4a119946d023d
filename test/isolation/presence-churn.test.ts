/**
 * Issue 11, connection churn: one client connecting and leaving a channel in a loop must not send
 * every member a join and a leave each time. Past `maxPresenceEventsPerSecond` a channel holds its
 * join/leave events back and ends the window with one `members` list; the SDK turns that list into
 * the joins and leaves that bring each member's view to the truth. Real server, real sockets.
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps } from '../../src/apps/index.js'
import type { Client, Subscription } from '../../src/client/node.js'
import type { Member } from '../../src/protocol/index.js'
import { createCondition } from '../support/condition.js'
import { createHarness, nextEvent } from '../support/sdk.js'
import { TestClient } from '../support/protocol-client.js'

const CHANNEL = 'room:churn'
const CYCLES = 500
const LISTENERS = 3
/** A 500-cycle churn sends 1,000 join/leave events; each member must get far fewer frames. */
const MAX_FRAMES = 150

const h = createHarness()
afterEach(() => h.cleanUp())

const start = async () =>
  await h.server({ channels: { 'room:*': { joinLeave: true } }, maxPresenceEventsPerSecond: 20 })

/** A member's view of who is present, built only from the SDK's events, as the apps build it. */
const followPresence = (sub: Subscription, changed: () => void): Map<string, Member> => {
  const view = new Map<string, Member>()
  sub.on('subscribed', ({ members }) => {
    view.clear()
    for (const member of members ?? []) view.set(member.client, member)
    changed()
  })
  sub.on('join', (member) => {
    view.set(member.client, member)
    changed()
  })
  sub.on('leave', (member) => {
    view.delete(member.client)
    changed()
  })
  return view
}

/** A raw member that counts the presence frames it is sent. */
const rawListener = async (url: string, channel: string) => {
  const client = await TestClient.connect(url, 'Counter')
  await client.request({ type: 'subscribe', channel })
  return client
}

const presenceFrames = (client: TestClient): number =>
  client.inbox.pending.filter(
    (f) => f.type === 'join' || f.type === 'leave' || f.type === 'members',
  ).length

const churnOnce = async (url: string, channel: string): Promise<void> => {
  const churner = await TestClient.connect(url, 'Churner')
  await churner.request({ type: 'subscribe', channel })
  await churner.close()
}

const clients = (members: readonly Member[]): string[] => members.map((m) => m.client).sort()

describe('presence under connection churn', () => {
  it('sends each member a bounded number of presence frames, and every view ends right', async () => {
    const server = await start()
    const url = `ws://127.0.0.1:${server.port}/`
    const condition = createCondition()
    const members: { client: Client; sub: Subscription; view: Map<string, Member> }[] = []
    for (let i = 0; i < LISTENERS; i++) {
      const client = h.client(server.port, { name: `Listener${i}` })
      const sub = client.channel(CHANNEL, { presence: true })
      const view = followPresence(sub, () => {
        condition.changed()
      })
      await nextEvent(sub, 'subscribed')
      members.push({ client, sub, view })
    }
    const counter = await rawListener(url, CHANNEL)
    try {
      for (let i = 0; i < CYCLES; i++) await churnOnce(url, CHANNEL)
      // The server handles the last closes after the clients see them: wait until it has.
      const probe = members[0]?.sub
      if (probe === undefined) throw new Error('no listener')
      let truth = await probe.presence()
      while (truth.some((member) => member.name === 'Churner')) truth = await probe.presence()
      expect(truth).toHaveLength(LISTENERS + 1)
      for (const [i, { view }] of members.entries())
        await condition.until(
          () => (clients([...view.values()]).join() === clients(truth).join() ? true : undefined),
          () => `listener ${i} sees ${[...view.values()].map((m) => m.name).join(', ')}`,
          10_000,
        )
      expect(presenceFrames(counter)).toBeLessThan(MAX_FRAMES)
      expect(clients(await probe.presence())).toEqual(clients(truth))
    } finally {
      counter.ws.terminate()
    }
  }, 120_000)

  it('still sends a join and a leave as they happen below the budget', async () => {
    const server = await start()
    const url = `ws://127.0.0.1:${server.port}/`
    const client = h.client(server.port, { name: 'Listener' })
    const sub = client.channel(CHANNEL, { presence: true })
    await nextEvent(sub, 'subscribed')
    const counter = await rawListener(url, CHANNEL)
    try {
      const joined = nextEvent(sub, 'join', (member) => member.name === 'Visitor')
      const visitor = await TestClient.connect(url, 'Visitor')
      await visitor.request({ type: 'subscribe', channel: CHANNEL })
      const { client: id, user, name } = visitor.member as Member
      const member: Member = { client: id, user, name }
      expect((await joined).client).toBe(member.client)
      expect(await counter.next('join')).toEqual({ type: 'join', channel: CHANNEL, member })
      const left = nextEvent(sub, 'leave', (m) => m.client === member.client)
      await visitor.close()
      expect((await left).name).toBe('Visitor')
      expect(await counter.next('leave')).toEqual({ type: 'leave', channel: CHANNEL, member })
      expect(counter.inbox.pending.some((f) => f.type === 'members')).toBe(false)
    } finally {
      counter.ws.terminate()
    }
  })

  it('holds back only the churning channel: another channel still gets its joins', async () => {
    const server = await start()
    const url = `ws://127.0.0.1:${server.port}/`
    const churned = await rawListener(url, CHANNEL)
    const quiet = await rawListener(url, 'room:quiet')
    try {
      // 30 cycles are 60 events, past the budget of 20 in any one window.
      for (let i = 0; i < 30; i++) await churnOnce(url, CHANNEL)
      const list = await churned.next('members')
      expect(list.channel).toBe(CHANNEL)
      expect(list.members.map((m) => m.client)).toContain(churned.member?.client)
      const visitor = await TestClient.connect(url, 'Visitor')
      await visitor.request({ type: 'subscribe', channel: 'room:quiet' })
      expect((await quiet.next('join')).member.client).toBe(visitor.member?.client)
      await visitor.close()
      expect(quiet.inbox.pending.some((f) => f.type === 'members')).toBe(false)
    } finally {
      churned.ws.terminate()
      quiet.ws.terminate()
    }
  })

  it('tells a plain /chat user of an arrival that came during a held-back window', async () => {
    const server = await h.server({ apps: bundledApps(), maxPresenceEventsPerSecond: 20 })
    const url = `ws://127.0.0.1:${server.port}/`
    const observer = await rawListener(url, 'chat:lobby')
    const plain = new WebSocket(`ws://127.0.0.1:${server.port}/chat`)
    const lines: string[] = []
    const condition = createCondition()
    plain.on('message', (data: Buffer) => {
      lines.push(data.toString('utf8'))
      condition.changed()
    })
    try {
      await new Promise((resolve) => plain.once('open', resolve))
      plain.send('Plain')
      await observer.next('join', (f) => f.type === 'join' && f.member.name === 'Plain')
      // 30 cycles are 60 events: past the budget, so the channel holds its events back.
      for (let i = 0; i < 30; i++) await churnOnce(url, 'chat:lobby')
      const visitor = await TestClient.connect(url, 'Visitor')
      await visitor.request({ type: 'subscribe', channel: 'chat:lobby' })
      await condition.until(
        () => (lines.includes('[Server]: Visitor has joined the chat.') ? true : undefined),
        () => `the plain user saw: ${lines.slice(-5).join(' | ')}`,
        10_000,
      )
      visitor.ws.terminate()
    } finally {
      plain.terminate()
      observer.ws.terminate()
    }
  })
})
