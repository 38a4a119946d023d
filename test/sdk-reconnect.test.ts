/**
 * How the client SDK reconnects, over real loopback sockets (DESIGN.md §3, §6, §7): full-jitter
 * exponential backoff after a cut, close codes 4500-4999 that end it for good, the hinted delay
 * of a 1001 shutdown, dead links noticed from missing pings, handshakes that never complete, and
 * resubscribing since the last position (or a `reset` when that position is gone).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connect, type ClientEvents } from '../src/client/node.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import {
  CloseCode,
  ErrorCode,
  ReplyError,
  parseRetryHint,
  type ServerOptions,
} from '../src/server/index.js'
import { createHarness, nextEvent, range, Received } from './support/sdk.js'

const h = createHarness()
afterEach(() => h.cleanUp())

/** Timers may fire a little early against performance.now(); lower bounds allow for it. */
const TIMER_SLACK_MS = 5

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

describe('after a cut', () => {
  it('reconnects with full-jitter doubling backoff and resubscribes since its position: the missed arrive in order, once', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    const minMs = 4
    const maxMs = 40
    const client = h.client(proxy.port, {
      minReconnectDelayMs: minMs,
      maxReconnectDelayMs: maxMs,
    })
    const sub = client.channel('room:cut')
    await nextEvent(sub, 'subscribed')
    const got = new Received(sub)
    for (let i = 1; i <= 5; i++) await server.hub.publish('room:cut', i)
    await got.count(5)

    const states: ClientEvents['state']['state'][] = []
    client.on('state', ({ state }) => states.push(state))
    const delays: ClientEvents['disconnected'][] = []
    client.on('disconnected', (event) => delays.push(event))
    proxy.mode = 'refuse'
    const accepted = proxy.acceptedCount
    expect(proxy.cut()).toBe(1)
    // Six refused attempts: the cut's disconnect and five failed reconnects have been reported.
    await proxy.acceptedMoreThan(accepted + 6)
    for (let i = 6; i <= 15; i++) await server.hub.publish('room:cut', i)
    expect(got.seqs).toEqual(range(1, 5))

    const resubscribed = nextEvent(sub, 'subscribed')
    proxy.mode = 'forward'
    expect(await resubscribed).toMatchObject({ recovered: true, wasRecovering: true, seq: 15 })
    await got.count(15)
    await server.hub.publish('room:cut', 16)
    await got.count(16)
    expect(got.seqs).toEqual(range(1, 16))
    expect(got.data).toEqual(range(1, 16))

    // The first delay is drawn below minMs, each next one below double the previous bound.
    const firstSix = delays.slice(0, 6)
    expect(firstSix.map((event) => event.code)).toEqual(Array<number>(6).fill(1006))
    firstSix.forEach(({ reconnectInMs }, attempt) => {
      expect(reconnectInMs).toBeGreaterThanOrEqual(0)
      expect(reconnectInMs).toBeLessThan(Math.min(maxMs, minMs * 2 ** attempt))
    })
    expect(states.slice(0, 4)).toEqual(['disconnected', 'connecting', 'disconnected', 'connecting'])
    expect(states.at(-1)).toBe('connected')
  })
})

describe('closing from a listener', () => {
  it('stays closed when a disconnected listener calls close()', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    const client = h.client(proxy.port, { minReconnectDelayMs: 1, maxReconnectDelayMs: 5 })
    await nextEvent(client, 'connected')
    client.on('disconnected', () => {
      client.close()
    })
    const closed = nextEvent(client, 'closed')
    proxy.cut()
    await closed
    // Proving an absence takes time: a reconnect would reach the proxy within a few 5 ms backoff
    // rounds; 200 ms is forty of them.
    const reconnected = await Promise.race([
      proxy.acceptedMoreThan(1).then(() => true),
      new Promise<boolean>((resolve) =>
        setTimeout(() => {
          resolve(false)
        }, 200),
      ),
    ])
    expect(reconnected).toBe(false)
    expect(client.state).toBe('closed')
  })
})

describe('close codes', () => {
  const authenticate: ServerOptions['authenticate'] = (token) => {
    if (token === 'banned') throw new ReplyError(ErrorCode.Forbidden, 'you are banned')
    throw new Error('bad token')
  }

  it.each([
    { token: 'wrong', options: { authenticate }, code: 4501, reason: 'bad token' },
    { token: 'banned', options: { authenticate }, code: 4503, reason: 'you are banned' },
    { token: 'any', options: {}, code: 4501, reason: 'this server accepts no tokens' },
  ])(
    'closes for good on $code ($reason), without reconnecting',
    async ({ token, options, code, reason }) => {
      const server = await h.server(options)
      const proxy = await h.proxy(server.port)
      const client = h.client(proxy.port, {
        token,
        minReconnectDelayMs: 1,
        maxReconnectDelayMs: 5,
      })
      const states: ClientEvents['state'][] = []
      client.on('state', (change) => states.push(change))
      expect(await nextEvent(client, 'closed')).toEqual({ code, reason })
      expect(client.state).toBe('closed')
      expect(states).toEqual([{ state: 'closed', previous: 'connecting' }])
      await expect(client.ready()).rejects.toMatchObject({ code: 'closed' })
      // Proving that nothing happens takes time: twenty times the longest backoff delay.
      await delay(100)
      expect(proxy.acceptedCount).toBe(1)
    },
  )

  it('closes with 4500 at once when the server refuses the connect frame itself', async () => {
    const server = await h.server({ connectTimeoutMs: 10_000 })
    const client = h.client(server.port, { name: 'x'.repeat(65) })
    // Not after the server's 10 s connect deadline (4504): the reply already says why.
    expect(await nextEvent(client, 'closed', () => true, 2_000)).toEqual({
      code: CloseCode.BadProtocol,
      reason: 'name is longer than 64 characters',
    })
  })

  it('reports an unusable URL as error and closed, not as a thrown error', async () => {
    const client = connect('not a url', { minReconnectDelayMs: 1 })
    const error = nextEvent(client, 'error')
    const closed = nextEvent(client, 'closed')
    expect(await error).toBeInstanceOf(SyntaxError)
    expect((await closed).reason).toMatch(/^cannot open a WebSocket: /)
    expect(client.state).toBe('closed')
  })
})

describe('1001 going away', () => {
  it('waits the hinted delay, then reconnects to a new server on the same port', async () => {
    const shared = createMemoryBackend()
    const spreadMs = 300
    const options = (nodeId: string): ServerOptions => ({
      nodeId,
      engine: createMemoryEngine({ shared }),
      shutdownSpreadMs: spreadMs,
    })
    const first = await h.server(options('first'))
    const client = h.client(first.port, { minReconnectDelayMs: 1, maxReconnectDelayMs: 10 })
    const sub = client.channel('room:r')
    await nextEvent(sub, 'subscribed')
    const got = new Received(sub)
    await first.hub.publish('room:r', 'before')
    await got.count(1)

    const disconnected = nextEvent(client, 'disconnected')
    const reconnecting = nextEvent(client, 'state', ({ state }) => state === 'connecting')
    const reconnected = nextEvent(client, 'connected', ({ node }) => node === 'second')
    const resubscribed = nextEvent(sub, 'subscribed', ({ wasRecovering }) => wasRecovering)
    const closing = first.close()
    const { code, reason, reconnectInMs } = await disconnected
    const disconnectedAt = performance.now()
    expect(code).toBe(CloseCode.GoingAway)
    expect(reconnectInMs).toBe(parseRetryHint(reason))
    expect(reconnectInMs).toBeLessThanOrEqual(spreadMs)
    await closing

    const second = await h.server({ ...options('second'), port: first.port })
    await second.hub.publish('room:r', 'while away')
    await reconnecting
    expect(performance.now() - disconnectedAt).toBeGreaterThanOrEqual(
      reconnectInMs - TIMER_SLACK_MS,
    )
    await reconnected
    expect(await resubscribed).toMatchObject({ recovered: true, seq: 2 })
    await got.count(2)
    expect(got.data).toEqual(['before', 'while away'])
  })
})

describe('dead links', () => {
  it('notices a silent link from missing pings, drops it and reconnects', async () => {
    const pingIntervalMs = 50
    const pingGraceMs = 100
    const server = await h.server({ pingIntervalMs })
    const proxy = await h.proxy(server.port)
    const client = h.client(proxy.port, {
      pingGraceMs,
      minReconnectDelayMs: 1,
      maxReconnectDelayMs: 10,
    })
    const sub = client.channel('room:dead')
    await nextEvent(sub, 'subscribed')
    const got = new Received(sub)
    expect((await client.ready()).pingMs).toBe(pingIntervalMs)
    await server.hub.publish('room:dead', 'before')
    await got.count(1)

    const disconnected = nextEvent(client, 'disconnected', () => true, 3_000)
    const resubscribed = nextEvent(sub, 'subscribed', ({ wasRecovering }) => wasRecovering, 3_000)
    const stalledAt = performance.now()
    expect(proxy.stall()).toBe(1)
    expect(await disconnected).toMatchObject({ code: 4000, reason: 'no ping from the server' })
    // The last ping came at most about one interval before the stall.
    expect(performance.now() - stalledAt).toBeGreaterThanOrEqual(pingGraceMs - TIMER_SLACK_MS)
    await server.hub.publish('room:dead', 'while away')
    expect(await resubscribed).toMatchObject({ recovered: true, seq: 2 })
    await got.count(2)
    expect(got.data).toEqual(['before', 'while away'])
    expect(client.state).toBe('connected')
  })

  it('gives up on a handshake that is never answered, after requestTimeoutMs', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    proxy.mode = 'blackhole'
    const requestTimeoutMs = 200
    const startedAt = performance.now()
    const client = h.client(proxy.port, {
      requestTimeoutMs,
      minReconnectDelayMs: 1,
      maxReconnectDelayMs: 5,
    })
    expect(await nextEvent(client, 'disconnected', () => true, 3_000)).toMatchObject({
      code: 4000,
      reason: 'no answer to the handshake',
    })
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(requestTimeoutMs - TIMER_SLACK_MS)
    proxy.mode = 'forward'
    await nextEvent(client, 'connected', () => true, 3_000)
    expect(proxy.acceptedCount).toBeGreaterThanOrEqual(2)
  })
})

describe('reset', () => {
  it('emits reset when what was missed expired by TTL', async () => {
    const server = await h.server({ channels: { 'brief:*': { historyTtlMs: 100 } } })
    const proxy = await h.proxy(server.port)
    const client = h.client(proxy.port, { minReconnectDelayMs: 1, maxReconnectDelayMs: 10 })
    const sub = client.channel('brief:r')
    const { epoch } = await nextEvent(sub, 'subscribed')
    const got = new Received(sub)
    await server.hub.publish('brief:r', 1)
    await got.count(1)

    proxy.mode = 'refuse'
    const disconnected = nextEvent(client, 'disconnected')
    proxy.cut()
    await disconnected
    await server.hub.publish('brief:r', 2)
    // Time has to pass for a TTL: wait until history no longer holds the missed publication.
    await expect
      .poll(async () => (await server.hub.history('brief:r')).pubs.length, { timeout: 5_000 })
      .toBe(0)
    const reset = nextEvent(sub, 'reset')
    proxy.mode = 'forward'
    expect(await reset).toEqual({ epoch, seq: 2 })
    expect(got.seqs).toEqual([1])
  })

  it('emits reset when what was missed is no longer in history, and goes on from there', async () => {
    const server = await h.server({ channels: { 'small:*': { historySize: 5 } } })
    const proxy = await h.proxy(server.port)
    const client = h.client(proxy.port, { minReconnectDelayMs: 1, maxReconnectDelayMs: 10 })
    const sub = client.channel('small:r')
    const { epoch } = await nextEvent(sub, 'subscribed')
    const got = new Received(sub)
    for (let i = 1; i <= 3; i++) await server.hub.publish('small:r', i)
    await got.count(3)

    proxy.mode = 'refuse'
    const disconnected = nextEvent(client, 'disconnected')
    proxy.cut()
    await disconnected
    // Twenty while away: more than the five that history keeps.
    for (let i = 4; i <= 23; i++) await server.hub.publish('small:r', i)
    const reset = nextEvent(sub, 'reset')
    const resubscribed = nextEvent(sub, 'subscribed', ({ wasRecovering }) => wasRecovering)
    proxy.mode = 'forward'
    expect(await reset).toEqual({ epoch, seq: 23 })
    expect(await resubscribed).toMatchObject({ recovered: false, seq: 23 })
    expect(sub.position).toEqual({ epoch, seq: 23 })
    // Nothing of the twenty: a partial catch-up would look like a gap-free stream and is not.
    expect(got.seqs).toEqual([1, 2, 3])

    await server.hub.publish('small:r', 24)
    await got.count(4)
    expect(got.seqs).toEqual([1, 2, 3, 24])
    // The app reloads from history after a reset: the newest five are there.
    expect((await sub.history()).pubs.map((pub) => pub.seq)).toEqual(range(20, 24))
  })
})
