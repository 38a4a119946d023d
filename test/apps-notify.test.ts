/**
 * The notify app over loopback (DESIGN.md §8, docs/apps.md): per-user channels `notify:<user>`,
 * an inbox in State that survives a restart of the SQLite engine, every tab of a user kept in
 * step by publications, and the bounded demo source.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { createNotifyApp, type NotifyEvent, type NotificationItem } from '../src/apps/index.js'
import { createSqliteEngine } from '../src/server/index.js'
import { Inbox } from './support/frames.js'
import { useServer } from './support/harness.js'
import { credentialOf, type TestClient } from './support/protocol-client.js'

const { start, connect } = useServer({ apps: [createNotifyApp()] })
const root = mkdtempSync(join(tmpdir(), 'hubbub-notify-'))
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

const rpc = (client: TestClient, method: string, params: unknown = {}) =>
  client.request({ type: 'rpc', method, params })

const nextEvent = async (client: TestClient, kind?: NotifyEvent['kind']): Promise<NotifyEvent> => {
  const frame = await client.next(
    'pub',
    (f) => kind === undefined || (f.pub as { data: NotifyEvent }).data.kind === kind,
  )
  return frame.pub.data as NotifyEvent
}

/** A pino logger whose lines a test can await. */
const captureLog = () => {
  const lines = new Inbox<Record<string, unknown>>()
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>)
      },
    },
  )
  const demoStopped = (user: string) =>
    lines.take((line) => line.msg === 'notify demo stopped' && line.user === user)
  return { logger, demoStopped }
}

describe('notify', () => {
  it('sends to a user, keeps every tab of that user in step, and lists the inbox', async () => {
    const notify = createNotifyApp()
    await start({ apps: [notify] })
    const tab1 = await connect('Alice')
    const tab2 = await connect('Alice', { credential: credentialOf(tab1) })
    const sender = await connect('Bob')
    const user = String(tab1.member?.user)
    expect(tab2.member?.user).toBe(user)
    for (const tab of [tab1, tab2])
      expect(await tab.request({ type: 'subscribe', channel: `notify:${user}` })).toMatchObject({
        state: { unread: 0 },
      })

    // Another client may not fill Alice's inbox; the server (a backend) may.
    await expect(rpc(sender, 'notify.send', { user, title: 'Spam', body: '' })).rejects.toThrow(
      /^forbidden/,
    )
    const first = { id: await notify.send(user, { title: 'Hi', body: 'one' }) }
    const second = { id: await notify.send(user, { title: 'Yo', body: 'two' }) }
    for (const tab of [tab1, tab2]) {
      const event = await nextEvent(tab)
      expect(event).toMatchObject({
        kind: 'notification',
        item: { id: first.id, title: 'Hi', body: 'one', read: false },
        unread: 1,
      })
      if (event.kind === 'notification') expect(Date.now() - event.item.time).toBeLessThan(5_000)
      expect(await nextEvent(tab)).toMatchObject({ kind: 'notification', unread: 2 })
    }

    expect(await rpc(tab1, 'notify.read', { id: first.id })).toEqual({ unread: 1 })
    for (const tab of [tab1, tab2])
      expect(await nextEvent(tab)).toEqual({ kind: 'read', ids: [first.id], unread: 1 })
    const { items, unread } = (await rpc(tab2, 'notify.list')) as {
      items: NotificationItem[]
      unread: number
    }
    expect(unread).toBe(1)
    expect(items.map((item) => [item.id, item.read])).toEqual([
      [second.id, false],
      [first.id, true],
    ])

    expect(await rpc(tab2, 'notify.dismiss', { id: first.id })).toEqual({ unread: 1 })
    expect(await nextEvent(tab1)).toEqual({ kind: 'dismissed', id: first.id, unread: 1 })
    expect(await rpc(tab1, 'notify.readAll')).toEqual({ unread: 0 })
    expect(await nextEvent(tab2, 'read')).toEqual({ kind: 'read', ids: [second.id], unread: 0 })
    expect(await rpc(tab1, 'notify.list')).toMatchObject({ items: [{ id: second.id }], unread: 0 })

    // The sender's own inbox is its own.
    expect(await rpc(sender, 'notify.list')).toEqual({ items: [], unread: 0 })
    await expect(rpc(sender, 'notify.read', { id: second.id })).rejects.toThrow(/^not_found/)
  })

  it('keeps the inbox and unread count across a restart (SQLite engine)', async () => {
    const file = join(root, 'restart.db')
    // The same server secret on both runs, as `hubbub serve` keeps it in its data directory.
    const secret = 'a-secret-kept-across-restarts-0123456789'
    const first = await start({ engine: createSqliteEngine({ file }), secret })
    const alice = await connect('Alice')
    const user = String(alice.member?.user)
    const ids: string[] = []
    for (const title of ['a', 'b', 'c']) {
      const { id } = (await rpc(alice, 'notify.send', { user, title, body: '' })) as { id: string }
      ids.push(id)
    }
    await rpc(alice, 'notify.read', { id: ids[0] })
    await rpc(alice, 'notify.dismiss', { id: ids[1] })
    await first.close()

    await start({ engine: createSqliteEngine({ file }), secret })
    const again = await connect('Alice', { credential: credentialOf(alice) })
    expect(again.member?.user).toBe(user)
    expect(await again.request({ type: 'subscribe', channel: `notify:${user}` })).toMatchObject({
      state: { unread: 1 },
    })
    expect(await rpc(again, 'notify.list')).toMatchObject({
      items: [
        { id: ids[2], title: 'c', read: false },
        { id: ids[0], title: 'a', read: true },
      ],
      unread: 1,
    })
    // Ids keep counting after the restart.
    expect(await rpc(again, 'notify.send', { user, title: 'd', body: '' })).toEqual({ id: '4' })
  })

  it('keeps the newest maxItemsPerUser notifications, with the unread count to match', async () => {
    await start({ apps: [createNotifyApp({ maxItemsPerUser: 3 })] })
    const alice = await connect('Alice')
    const user = String(alice.member?.user)
    for (const title of ['1', '2', '3']) await rpc(alice, 'notify.send', { user, title, body: '' })
    await rpc(alice, 'notify.read', { id: '1' })
    for (const title of ['4', '5']) await rpc(alice, 'notify.send', { user, title, body: '' })
    const { items, unread } = (await rpc(alice, 'notify.list')) as {
      items: NotificationItem[]
      unread: number
    }
    expect(items.map((item) => item.id)).toEqual(['5', '4', '3'])
    expect(unread).toBe(3)
  })

  it('lets trusted server code send through the app object', async () => {
    const notify = createNotifyApp()
    await expect(notify.send('anon:x', { title: 't', body: '' })).rejects.toThrow(/not set up/)
    await start({ apps: [notify] })
    const alice = await connect('Alice')
    const user = String(alice.member?.user)
    await alice.request({ type: 'subscribe', channel: `notify:${user}` })
    expect(await notify.send(user, { title: 'From the backend', body: 'hi' })).toBe('1')
    expect(await nextEvent(alice)).toMatchObject({
      kind: 'notification',
      item: { id: '1', title: 'From the backend' },
      unread: 1,
    })
  })

  it('lets only whom canSend accepts use notify.send', async () => {
    await start({
      apps: [createNotifyApp({ canSend: (caller, user) => caller.member.user === user })],
    })
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    const draft = { user: String(alice.member?.user), title: 't', body: '' }
    await expect(rpc(bob, 'notify.send', draft)).rejects.toThrow(/^forbidden/)
    expect(await rpc(alice, 'notify.send', draft)).toEqual({ id: '1' })
  })

  it('lets only the user itself read notify:<user>', async () => {
    await start()
    const alice = await connect('Alice')
    const mallory = await connect('Mallory')
    const channel = `notify:${String(alice.member?.user)}`
    await expect(mallory.request({ type: 'subscribe', channel })).rejects.toThrow(/^forbidden/)
    await expect(mallory.request({ type: 'history', channel })).rejects.toThrow(/^forbidden/)
    await expect(mallory.request({ type: 'presence', channel })).rejects.toThrow(/^forbidden/)
    expect(await alice.request({ type: 'subscribe', channel })).toMatchObject({ recovered: false })
    expect(await alice.request({ type: 'history', channel })).toMatchObject({ pubs: [] })
  })

  it('refuses bad params and client publishes', async () => {
    await start()
    const alice = await connect('Alice')
    const user = alice.member?.user ?? ''
    await expect(rpc(alice, 'notify.send', { user, title: '', body: '' })).rejects.toThrow(
      /^bad_request: title/,
    )
    await expect(rpc(alice, 'notify.send', { user, title: 'x' })).rejects.toThrow(
      /^bad_request: body/,
    )
    await expect(rpc(alice, 'notify.send', { title: 'x', body: '' })).rejects.toThrow(
      /^bad_request: user/,
    )
    await expect(rpc(alice, 'notify.read', { id: 'nope' })).rejects.toThrow(/^not_found/)
    await expect(rpc(alice, 'notify.read', {})).rejects.toThrow(/^bad_request: id/)
    await expect(rpc(alice, 'notify.demo', { enabled: 'yes' })).rejects.toThrow(/^bad_request/)
    await expect(
      alice.request({ type: 'publish', channel: `notify:${user}`, data: { kind: 'read' } }),
    ).rejects.toThrow(/^forbidden/)
  })
})

describe('notify demo', () => {
  const demoApp = (lifetimeMs = 60_000) =>
    createNotifyApp({ demoMinDelayMs: 5, demoMaxDelayMs: 15, demoMaxLifetimeMs: lifetimeMs })

  it('sends random notifications while the user watches; stops when nobody of it does', async () => {
    const log = captureLog()
    await start({ apps: [demoApp()], logger: log.logger })
    const alice = await connect('Alice')
    const user = String(alice.member?.user)
    await alice.request({ type: 'subscribe', channel: `notify:${user}` })
    expect(await rpc(alice, 'notify.demo', { enabled: true })).toEqual({ enabled: true })
    expect(await rpc(alice, 'notify.demo', { enabled: true })).toEqual({ enabled: true })
    expect(await nextEvent(alice)).toMatchObject({ kind: 'notification', unread: 1 })
    expect(await nextEvent(alice)).toMatchObject({ kind: 'notification', unread: 2 })
    const stopped = log.demoStopped(user)
    await alice.request({ type: 'unsubscribe', channel: `notify:${user}` })
    expect(await stopped).toMatchObject({ reason: 'unwatched' })
  })

  it('stops when disabled, after its lifetime, and when the app closes', async () => {
    const log = captureLog()
    const server = await start({ apps: [demoApp(40)], logger: log.logger })
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    const aliceUser = String(alice.member?.user)
    const bobUser = String(bob.member?.user)
    for (const [client, user] of [
      [alice, aliceUser],
      [bob, bobUser],
    ] as const)
      await client.request({ type: 'subscribe', channel: `notify:${user}` })

    await rpc(alice, 'notify.demo', { enabled: true })
    await rpc(alice, 'notify.demo', { enabled: false })
    expect(await log.demoStopped(aliceUser)).toMatchObject({ reason: 'disabled' })
    await rpc(bob, 'notify.demo', { enabled: true })
    expect(await log.demoStopped(bobUser)).toMatchObject({ reason: 'lifetime' })

    await rpc(alice, 'notify.demo', { enabled: true })
    const closing = server.close()
    // Shutdown closes the connections before the apps: the demo stops for whichever comes first.
    const stopped = (await log.demoStopped(aliceUser)) as { reason: string }
    expect(['closed', 'unwatched']).toContain(stopped.reason)
    await closing
  })
})
