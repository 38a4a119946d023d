/**
 * The client SDK's surface over real loopback sockets (DESIGN.md §3, §7): connection states and
 * typed events, subscriptions with publish, signal, presence, history, join/leave, app state and
 * `for await`, and rpc with its timeout. Reconnecting is in sdk-reconnect.test.ts, the outbox and
 * server restarts in sdk-outbox.test.ts, the chaos run in sdk-chaos.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  HubbubError,
  Subscription,
  type ClientEvents,
  type Member,
  type Pub,
} from '../src/client/node.js'
import { ErrorCode, ReplyError, type App, type ServerOptions } from '../src/server/index.js'
import { within } from './support/deadline.js'
import { createHarness, nextEvent, Received } from './support/sdk.js'

const h = createHarness()
afterEach(() => h.cleanUp())

const testApp: App = {
  name: 'sdk-test',
  setup(hub) {
    hub.rpc('math.add', (params) => {
      const { a, b } = params as { a?: unknown; b?: unknown }
      if (typeof a !== 'number' || typeof b !== 'number')
        throw new ReplyError(ErrorCode.BadRequest, 'a and b must be numbers')
      return a + b
    })
    hub.rpc('never', () => new Promise(() => undefined))
  },
}

const serverOptions: ServerOptions = {
  nodeId: 'sdk-node',
  apps: [testApp],
  channels: {
    'room:*': { joinLeave: true },
    'news:*': { access: { publish: 'server' } },
    'counter:*': { state: (channel) => ({ channel, value: 42 }) },
  },
}

/** What a promise rejected with; fails when it resolves. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (err: unknown) => err,
  )

const names = (members: Member[]): string[] => members.map((member) => member.name).sort()

describe('connection', () => {
  it('goes connecting → connected, with the session, and ready() resolves with it', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port, { name: 'Alice' })
    expect(client.state).toBe('connecting')
    expect(client.session).toBeUndefined()
    const states: ClientEvents['state'][] = []
    client.on('state', (change) => {
      states.push(change)
    })
    const session = await nextEvent(client, 'connected')
    expect(session).toMatchObject({ name: 'Alice', node: 'sdk-node', pingMs: 25_000 })
    expect(session.user).toMatch(/^anon:[\w-]{16}$/)
    expect(session.credential).toMatch(/^a1\./)
    expect(states).toEqual([{ state: 'connected', previous: 'connecting' }])
    expect(client.state).toBe('connected')
    expect(client.session).toEqual(session)
    expect(await client.ready()).toBe(session)
  })

  it('on() returns a function that removes just that listener', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    const calls: string[] = []
    const offFirst = client.on('state', ({ state }) => calls.push(`first:${state}`))
    client.on('state', ({ state }) => calls.push(`second:${state}`))
    offFirst()
    offFirst()
    await nextEvent(client, 'connected')
    expect(calls).toEqual(['second:connected'])

    const sub = client.channel('room:off')
    await nextEvent(sub, 'subscribed')
    const removed: Pub[] = []
    const offMessage = sub.on('message', (pub) => removed.push(pub))
    const kept = new Received(sub)
    offMessage()
    await server.hub.publish('room:off', 'hello')
    await kept.count(1)
    expect(kept.data).toEqual(['hello'])
    expect(removed).toEqual([])
  })

  it('close() ends for good: closed event, and waiting or later calls reject with closed', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    const sub = client.channel('room:bye')
    await nextEvent(sub, 'subscribed')
    const loop = (async () => {
      const seen: Pub[] = []
      for await (const pub of sub) seen.push(pub)
      return seen
    })()
    const waiting = client.rpc('never')
    const closed = nextEvent(client, 'closed')
    client.close()
    expect(await closed).toEqual({ code: 1000, reason: 'closed by the client' })
    expect(client.state).toBe('closed')
    expect(sub.state).toBe('unsubscribed')
    expect(await rejection(waiting)).toMatchObject({ code: 'closed' })
    expect(await within(1_000, 'the for-await loop ends', loop)).toEqual([])
    expect(await rejection(client.ready())).toMatchObject({ code: 'closed' })
    expect(await rejection(client.rpc('math.add', { a: 1, b: 2 }))).toMatchObject({
      code: 'closed',
    })
    expect(() => client.channel('room:later')).toThrow(HubbubError)
  })
})

describe('channels', () => {
  it('channel(name) returns one Subscription per name, subscribed once connected', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    // Asked for before the handshake: it subscribes as soon as the client is connected.
    const sub = client.channel('room:one')
    expect(sub).toBeInstanceOf(Subscription)
    expect(client.channel('room:one')).toBe(sub)
    expect(sub.channel).toBe('room:one')
    expect(sub.state).toBe('subscribing')
    const subscribed = await nextEvent(sub, 'subscribed')
    expect(subscribed).toMatchObject({ seq: 0, recovered: false, wasRecovering: false })
    expect(sub.state).toBe('subscribed')
    expect(sub.position).toEqual({ epoch: subscribed.epoch, seq: 0 })
  })

  it('publish resolves with the seq; others get message events in order, the publisher not its own', async () => {
    const server = await h.server(serverOptions)
    const alice = h.client(server.port, { name: 'Alice' })
    const bob = h.client(server.port, { name: 'Bob' })
    const atAlice = alice.channel('room:pub')
    const atBob = bob.channel('room:pub')
    await Promise.all([nextEvent(atAlice, 'subscribed'), nextEvent(atBob, 'subscribed')])
    const aliceGot = new Received(atAlice)
    const bobGot = new Received(atBob)

    expect(await atAlice.publish('one')).toEqual({ seq: 1 })
    expect(await atAlice.publish({ two: 2 })).toEqual({ seq: 2 })
    await bobGot.count(2)
    expect(bobGot.seqs).toEqual([1, 2])
    expect(bobGot.data).toEqual(['one', { two: 2 }])
    expect(bobGot.pubs[0]?.from).toMatchObject({ name: 'Alice' })

    expect(await atBob.publish('three')).toEqual({ seq: 3 })
    await aliceGot.count(1)
    // Alice's own publications are not delivered back to her; Bob's is.
    expect(aliceGot.seqs).toEqual([3])
    expect(atAlice.position?.seq).toBe(3)
  })

  it('publish rejects with a typed HubbubError: forbidden where clients may not publish', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    const news = client.channel('news:today')
    await nextEvent(news, 'subscribed')
    const error = await rejection(news.publish('breaking'))
    expect(error).toBeInstanceOf(HubbubError)
    expect(error).toMatchObject({ name: 'HubbubError', code: ErrorCode.Forbidden })
    // A refused request leaves the connection as it was.
    expect(client.state).toBe('connected')
    expect(await client.channel('room:fine').publish('ok')).toEqual({ seq: 1 })
  })

  it('signal reaches the other subscribers, with its sender', async () => {
    const server = await h.server(serverOptions)
    const alice = h.client(server.port, { name: 'Alice' })
    const bob = h.client(server.port, { name: 'Bob' })
    const atAlice = alice.channel('room:sig')
    const atBob = bob.channel('room:sig')
    await Promise.all([nextEvent(atAlice, 'subscribed'), nextEvent(atBob, 'subscribed')])
    const signal = nextEvent(atBob, 'signal')
    atAlice.signal({ typing: true })
    const { from, data } = await signal
    expect(data).toEqual({ typing: true })
    expect(from).toMatchObject({ name: 'Alice', client: alice.session?.client })
  })

  it('presence lists the members; join and leave events; a presence subscribe gets the list', async () => {
    const server = await h.server(serverOptions)
    const alice = h.client(server.port, { name: 'Alice' })
    const bob = h.client(server.port, { name: 'Bob' })
    const atAlice = alice.channel('room:p')
    await nextEvent(atAlice, 'subscribed')

    const joined = nextEvent(atAlice, 'join')
    const atBob = bob.channel('room:p', { presence: true })
    const bobSubscribed = await nextEvent(atBob, 'subscribed')
    expect(names(bobSubscribed.members ?? [])).toEqual(['Alice', 'Bob'])
    expect(await joined).toMatchObject({ name: 'Bob', client: bob.session?.client })
    expect(names(await atAlice.presence())).toEqual(['Alice', 'Bob'])

    const left = nextEvent(atAlice, 'leave')
    await atBob.unsubscribe()
    expect(await left).toMatchObject({ name: 'Bob' })
    expect(atBob.state).toBe('unsubscribed')
    expect(names(await atAlice.presence())).toEqual(['Alice'])
    expect(await rejection(atBob.publish('late'))).toMatchObject({ code: 'closed' })
    // Forgotten by the client: asking again makes a new subscription.
    expect(bob.channel('room:p')).not.toBe(atBob)
  })

  it('history returns what was published: oldest first, limited, reversed, since a position', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    const sub = client.channel('room:h')
    await nextEvent(sub, 'subscribed')
    for (const text of ['a', 'b', 'c', 'd', 'e']) await sub.publish(text)
    const all = await sub.history()
    expect(all.seq).toBe(5)
    expect(all.pubs.map((pub) => pub.data)).toEqual(['a', 'b', 'c', 'd', 'e'])
    const seqs = (result: { pubs: Pub[] }): number[] => result.pubs.map((pub) => pub.seq)
    expect(seqs(await sub.history({ limit: 2 }))).toEqual([4, 5])
    expect(seqs(await sub.history({ limit: 2, reverse: true }))).toEqual([5, 4])
    expect(seqs(await sub.history({ since: { epoch: all.epoch, seq: 3 } }))).toEqual([4, 5])
    const error = await rejection(sub.history({ since: { epoch: 'another-epoch', seq: 1 } }))
    expect(error).toBeInstanceOf(HubbubError)
    expect(error).toMatchObject({ code: ErrorCode.Unrecoverable })
  })

  it("sends the channel's app state on subscribe as a state event", async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    const state = await nextEvent(client.channel('counter:a'), 'state')
    expect(state).toEqual({ channel: 'counter:a', value: 42 })
  })

  it('for await yields publications in order and ends when the subscription ends', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    const sub = client.channel('room:iter')
    await nextEvent(sub, 'subscribed')
    const firstThree = (async () => {
      const seen: unknown[] = []
      for await (const pub of sub) {
        seen.push(pub.data)
        if (seen.length === 3) break
      }
      return seen
    })()
    const untilTheEnd = (async () => {
      const seqs: number[] = []
      for await (const pub of sub) seqs.push(pub.seq)
      return seqs
    })()
    const got = new Received(sub)
    for (const text of ['x', 'y', 'z', 'w']) await server.hub.publish('room:iter', text)
    expect(await within(2_000, 'three publications', firstThree)).toEqual(['x', 'y', 'z'])
    await got.count(4)
    await sub.unsubscribe()
    expect(await within(2_000, 'the loop ends', untilTheEnd)).toEqual([1, 2, 3, 4])
  })

  it('emits error on a subscription the server refuses', async () => {
    const server = await h.server({ ...serverOptions, maxChannelsPerConnection: 1 })
    const client = h.client(server.port)
    await nextEvent(client.channel('room:first'), 'subscribed')
    const second = client.channel('room:second')
    const error = await nextEvent(second, 'error')
    expect(error).toBeInstanceOf(HubbubError)
    expect(error.code).toBe(ErrorCode.TooManyRequests)
    expect(second.state).toBe('subscribing')
    expect(client.state).toBe('connected')
  })
})

describe('client errors', () => {
  it('emits error when the token function throws, and retries with a fresh token', async () => {
    const server = await h.server({
      ...serverOptions,
      authenticate: (token) => {
        if (token !== 'good') throw new Error('bad token')
        return { user: 'user-1', name: 'User One' }
      },
    })
    let calls = 0
    const client = h.client(server.port, {
      minReconnectDelayMs: 1,
      maxReconnectDelayMs: 5,
      token: () => {
        calls++
        if (calls === 1) throw new Error('the token service is down')
        return 'good'
      },
    })
    const error = await nextEvent(client, 'error')
    expect(error.message).toBe('the token service is down')
    const session = await nextEvent(client, 'connected')
    expect(session).toMatchObject({ user: 'user-1', name: 'User One' })
    expect(calls).toBe(2)
  })
})

describe('rpc', () => {
  it('resolves with the method result; rejects with the reply code', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    await client.ready()
    expect(await client.rpc('math.add', { a: 2, b: 3 })).toBe(5)
    const missing = await rejection(client.rpc('no.such.method'))
    expect(missing).toBeInstanceOf(HubbubError)
    expect(missing).toMatchObject({ code: ErrorCode.NotFound })
    expect(await rejection(client.rpc('math.add', { a: 'two' }))).toMatchObject({
      code: ErrorCode.BadRequest,
      message: 'a and b must be numbers',
    })
  })

  it('rejects with timeout when the handler never answers; the connection stays usable', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port, { requestTimeoutMs: 300 })
    await client.ready()
    const startedAt = performance.now()
    const timedOut = await rejection(client.rpc('never', null, { timeoutMs: 100 }))
    expect(timedOut).toBeInstanceOf(HubbubError)
    expect(timedOut).toMatchObject({ code: 'timeout' })
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(95)
    // Without a per-call timeout, requestTimeoutMs applies.
    expect(await rejection(client.rpc('never'))).toMatchObject({ code: 'timeout' })
    expect(client.state).toBe('connected')
    expect(await client.rpc('math.add', { a: 1, b: 1 })).toBe(2)
  })

  it('rejects with disconnected while there is no connection', async () => {
    const server = await h.server(serverOptions)
    const client = h.client(server.port)
    // Before the handshake: requests are not queued (only publishes are).
    expect(await rejection(client.rpc('math.add', { a: 1, b: 1 }))).toMatchObject({
      code: 'disconnected',
    })
    await client.ready()
    expect(await client.rpc('math.add', { a: 1, b: 1 })).toBe(2)
  })
})
