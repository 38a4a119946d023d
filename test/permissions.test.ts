/**
 * Channel permissions (docs/security.md): access levels by pattern for subscribe, publish,
 * presence and history; token grants; resume and presence-in-subscribe held to the same rules;
 * and the defaults of the bundled apps (notify, sys:*, buzzer hosts, rate-limited counter and
 * board clears). Real sockets on loopback, real JWTs.
 */
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import type { ServerOptions } from '../src/server/index.js'
import { useServer } from './support/harness.js'
import type { TestClient } from './support/protocol-client.js'

const SECRET = 'permissions-test-secret-of-32-chars'
const { start, connect } = useServer()

const token = (sub: string, claims: Record<string, unknown> = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .sign(new TextEncoder().encode(SECRET))

const options: ServerOptions = {
  jwt: { secret: SECRET },
  channels: {
    'open:*': {},
    'members:*': { access: { subscribe: 'users', publish: 'users' } },
    'inbox:*': { access: { subscribe: 'owner', publish: 'server' } },
    'announce:*': { access: { publish: 'server' } },
    'secret:*': { access: { subscribe: 'server', publish: 'server' } },
    'roster:*': { access: { subscribe: 'everyone', presence: 'users', history: 'owner' } },
  },
}

/** What a client may do on a channel: each action tried, `ok` or the error code. */
const tryAll = async (client: TestClient, channel: string) => {
  const outcome = async (work: Promise<unknown>): Promise<string> => {
    try {
      await work
      return 'ok'
    } catch (err) {
      return (err as Error).message.split(':')[0] ?? 'error'
    }
  }
  const subscribe = await outcome(client.request({ type: 'subscribe', channel }))
  const result = {
    subscribe,
    publish: await outcome(client.request({ type: 'publish', channel, data: 1 })),
    presence: await outcome(client.request({ type: 'presence', channel })),
    history: await outcome(client.request({ type: 'history', channel })),
  }
  if (subscribe === 'ok') await client.request({ type: 'unsubscribe', channel })
  return result
}

const ok = { subscribe: 'ok', publish: 'ok', presence: 'ok', history: 'ok' }
const no = {
  subscribe: 'forbidden',
  publish: 'forbidden',
  presence: 'forbidden',
  history: 'forbidden',
}

describe('access levels', () => {
  it('decide subscribe, publish, presence and history for anonymous and signed-in clients', async () => {
    await start(options)
    const anon = await connect('Anon')
    const alice = await connect('Alice', { token: await token('alice') })
    const table = {
      'open:1': [ok, ok],
      'members:1': [no, ok],
      'inbox:alice': [{ ...no }, { ...ok, publish: 'forbidden' }],
      'inbox:bob': [no, no],
      'announce:1': [
        { ...ok, publish: 'forbidden' },
        { ...ok, publish: 'forbidden' },
      ],
      'secret:1': [no, no],
      'roster:alice': [
        { ...ok, presence: 'forbidden', history: 'forbidden' },
        { ...ok, history: 'ok' },
      ],
      'roster:bob': [
        { ...ok, presence: 'forbidden', history: 'forbidden' },
        { ...ok, history: 'forbidden' },
      ],
    }
    for (const [channel, [forAnon, forAlice]] of Object.entries(table)) {
      expect({ channel, anon: await tryAll(anon, channel) }).toEqual({ channel, anon: forAnon })
      expect({ channel, alice: await tryAll(alice, channel) }).toEqual({ channel, alice: forAlice })
    }
  })

  it('let the server publish where clients may not, and say who may', async () => {
    const server = await start(options)
    const alice = await connect('Alice', { token: await token('alice') })
    await alice.request({ type: 'subscribe', channel: 'inbox:alice' })
    await expect(
      alice.request({ type: 'publish', channel: 'inbox:alice', data: 'x' }),
    ).rejects.toThrow('forbidden: you may not publish to "inbox:alice": only the server may')
    await server.hub.publish('inbox:alice', { text: 'from the server' })
    expect((await alice.next('pub')).pub.data).toEqual({ text: 'from the server' })
    // Signals are writes too: the anonymous one is dropped (signals have no reply).
    const anon = await connect('Anon')
    const watcher = await connect('Watcher', { token: await token('watcher') })
    await watcher.request({ type: 'subscribe', channel: 'members:1' })
    anon.send({ type: 'signal', channel: 'members:1', data: 'from anon' })
    alice.send({ type: 'signal', channel: 'members:1', data: 'from alice' })
    expect((await watcher.next('signal')).data).toBe('from alice')
    // Anon's signal went out first on its socket; a presence round trip on it proves it was handled.
    await anon.request({ type: 'presence', channel: 'open:1' })
    alice.send({ type: 'signal', channel: 'members:1', data: 'again' })
    expect((await watcher.next('signal')).data).toBe('again')
  })

  it('cannot be read around: no resume since, and no members in the subscribe reply', async () => {
    const server = await start(options)
    const alice = await connect('Alice', { token: await token('alice') })
    const { epoch } = (await alice.request({ type: 'subscribe', channel: 'inbox:alice' })) as {
      epoch: string
    }
    for (let i = 0; i < 3; i++) await server.hub.publish('inbox:alice', i)
    const mallory = await connect('Mallory', { token: await token('mallory') })
    await expect(
      mallory.request({ type: 'subscribe', channel: 'inbox:alice', since: { epoch, seq: 0 } }),
    ).rejects.toThrow(/^forbidden/)
    await expect(
      mallory.request({ type: 'history', channel: 'inbox:alice', since: { epoch, seq: 0 } }),
    ).rejects.toThrow(/^forbidden/)
    // roster:* lets everyone subscribe but only users see who is there.
    const anon = await connect('Anon')
    await expect(
      anon.request({ type: 'subscribe', channel: 'roster:1', presence: true }),
    ).rejects.toThrow(/^forbidden: you may not read the presence of "roster:1"/)
    expect(
      await alice.request({ type: 'subscribe', channel: 'roster:1', presence: true }),
    ).toMatchObject({ members: [{ user: 'alice' }] })
  })

  it('are lifted by a token’s channels grant, except where only the server may', async () => {
    await start(options)
    const granted = await connect('Grace', {
      token: await token('grace', { channels: ['inbox:team-*', 'members:*', 'secret:*'] }),
    })
    expect(await tryAll(granted, 'inbox:team-red')).toEqual({ ...ok, publish: 'forbidden' })
    expect(await tryAll(granted, 'inbox:bob')).toEqual(no)
    expect(await tryAll(granted, 'secret:1')).toEqual(no)
    // The grant is the token's: an anonymous client cannot claim one.
    const anon = await connect('Anon', { channels: ['inbox:*'] })
    expect(await tryAll(anon, 'inbox:team-red')).toEqual(no)
  })
})

describe('bundled apps', () => {
  it('keep notify inboxes to their owner and published by the server only', async () => {
    await start({ apps: bundledApps(), jwt: { secret: SECRET } })
    const alice = await connect('Alice', { token: await token('alice') })
    const anon = await connect('Anon')
    const inbox = 'notify:alice'
    expect(await tryAll(anon, inbox)).toEqual(no)
    expect(await tryAll(alice, inbox)).toEqual({ ...ok, publish: 'forbidden' })
    // notify.send: a client only to itself.
    await expect(
      anon.request({
        type: 'rpc',
        method: 'notify.send',
        params: { user: 'alice', title: 't', body: '' },
      }),
    ).rejects.toThrow(/^forbidden/)
    await expect(
      alice.request({
        type: 'rpc',
        method: 'notify.send',
        params: { user: 'alice', title: 't', body: '' },
      }),
    ).resolves.toEqual({ id: '1' })
  })

  it('let only the server publish on sys:* and the app channels', async () => {
    await start({ apps: bundledApps() })
    const anon = await connect('Anon')
    for (const channel of ['sys:metrics', 'sys:anything', 'counter:main', 'buzzer:main'])
      await expect(anon.request({ type: 'publish', channel, data: 0 })).rejects.toThrow(
        /^forbidden/,
      )
  })

  it('let only the host of a buzzer round open, close or reset it', async () => {
    await start({ apps: bundledApps() })
    const host = await connect('Host')
    const mallory = await connect('Mallory')
    const rpc = (client: TestClient, method: string) =>
      client.request({ type: 'rpc', method, params: { room: 'quiz' } })
    expect(await rpc(host, 'buzzer.open')).toMatchObject({ open: true, hosted: true })
    for (const action of ['buzzer.reset', 'buzzer.close', 'buzzer.open'])
      await expect(rpc(mallory, action)).rejects.toThrow(/^forbidden: someone else hosts "quiz"/)
    await expect(rpc(mallory, 'buzzer.buzz')).resolves.toMatchObject({ place: 1 })
    expect(await rpc(host, 'buzzer.close')).toMatchObject({ open: false, results: [{ place: 1 }] })
  })

  it('rate-limit counter changes and board clears per user, not for the server', async () => {
    await start({ apps: bundledApps() })
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    const add = (client: TestClient) =>
      client.request({ type: 'rpc', method: 'counter.add', params: { name: 'rl', delta: 1 } })
    const outcomes: string[] = []
    for (let i = 0; i < 40; i++)
      outcomes.push(
        await add(alice).then(
          () => 'ok',
          (err: unknown) => String(err).split(':')[1]?.trim() ?? '',
        ),
      )
    expect(outcomes.filter((o) => o === 'ok').length).toBeLessThan(40)
    expect(outcomes.at(-1)).toBe('too_many_requests')
    // Another user is not held back by Alice.
    expect(await add(bob)).toMatchObject({ value: outcomes.filter((o) => o === 'ok').length + 1 })
    const clear = (client: TestClient) =>
      client.request({ type: 'rpc', method: 'board.clear', params: { name: 'rl' } })
    for (let i = 0; i < 3; i++) await clear(alice)
    await expect(clear(alice)).rejects.toThrow(/^too_many_requests/)
    expect(await clear(bob)).toMatchObject({ seq: 4 })
  })
})
