/**
 * SDK failover over real loopback sockets: a client given the URLs of two nodes of one cluster
 * (one shared memory backend, one secret) moves to the other node when its node stops, and
 * resumes its subscription `since` its position there: every seq once, in order. A first URL
 * that refuses (nothing listening) is skipped the same way.
 */
import { createServer as createNetServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  Client,
  connect,
  type ClientEvents,
  type WebSocketConstructor,
} from '../src/client/node.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import type { HubbubServer } from '../src/server/index.js'
import { createHarness, nextEvent, range, Received } from './support/sdk.js'

const h = createHarness()
const clients: Client[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  await h.cleanUp()
})

const SECRET = 'cluster-secret-0123456789abcdef-0123456789'
const fast = { minReconnectDelayMs: 4, maxReconnectDelayMs: 40 }
/** For `new Client(…)`, which (unlike node.js's `connect`) takes the global WebSocket by default. */
const NodeWebSocket = WebSocket as unknown as WebSocketConstructor

/** Two nodes sharing one memory backend, as in test/cluster-memory.test.ts. */
const startCluster = async (): Promise<[HubbubServer, HubbubServer]> => {
  const shared = createMemoryBackend()
  const start = (nodeId: string): Promise<HubbubServer> =>
    h.server({
      nodeId,
      secret: SECRET,
      engine: createMemoryEngine({ shared }),
      shutdownSpreadMs: 20,
      shutdownTimeoutMs: 1_000,
      // History holds the whole stream: whenever the client comes back, all it missed is there.
      channels: { 'room:*': { historySize: 1_000 } },
      // The publisher publishes as fast as replies come: not what this test is about.
      requestsPerSecond: 100_000,
      requestBurst: 100_000,
    })
  return [await start('node-a'), await start('node-b')]
}

const urlOf = (server: HubbubServer): string => `ws://127.0.0.1:${server.port}/`

const track = (client: Client): Client => {
  clients.push(client)
  return client
}

/** A port nothing listens on: bound once, then released. */
const closedPort = async (): Promise<number> => {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise<void>((resolve, reject) => {
    server.close((err) => {
      if (err === undefined) resolve()
      else reject(err)
    })
  })
  return address.port
}

describe('a client of several nodes', () => {
  it('moves to node B when node A stops mid-stream: every seq once, in order', async () => {
    const [a, b] = await startCluster()
    const client = track(connect([urlOf(a), urlOf(b)], fast))
    const connected: ClientEvents['connected'][] = []
    client.on('connected', (session) => connected.push(session))
    const sub = client.channel('room:failover')
    await nextEvent(sub, 'subscribed')
    expect(client.session?.node).toBe('node-a')
    expect(client.url).toBe(urlOf(a))
    const got = new Received(sub)

    // The publisher is a client of node B only: it keeps publishing while A stops.
    const publisher = track(connect(urlOf(b), fast))
    const TOTAL = 300
    const STOP_AFTER = 60
    const published: number[] = []
    // Past STOP_AFTER the publisher waits for A's stop to begin, so that the rest of the stream
    // is published while the client loses A and moves to B.
    let stopBegan = (): void => undefined
    const stopping = new Promise<void>((resolve) => {
      stopBegan = resolve
    })
    let paused = (): void => undefined
    const publisherPaused = new Promise<void>((resolve) => {
      paused = resolve
    })
    const publishing = (async () => {
      for (let i = 1; i <= TOTAL; i++) {
        if (i === STOP_AFTER + 1) {
          paused()
          await stopping
        }
        const { seq } = await publisher.publish('room:failover', i)
        published.push(seq)
      }
    })()

    await publisherPaused
    await got.count(STOP_AFTER, 10_000)
    const movedToB = nextEvent(client, 'connected', (session) => session.node === 'node-b', 10_000)
    const resubscribed = nextEvent(sub, 'subscribed', undefined, 10_000)
    const stopped = a.close()
    expect(published).toEqual(range(1, STOP_AFTER))
    stopBegan()
    await stopped
    expect(await movedToB).toMatchObject({ node: 'node-b' })
    expect(await resubscribed).toMatchObject({ recovered: true, wasRecovering: true })
    await publishing
    await got.count(TOTAL, 10_000)

    expect(published).toEqual(range(1, TOTAL))
    expect(got.seqs).toEqual(range(1, TOTAL))
    expect(got.data).toEqual(range(1, TOTAL))
    // A's stop came mid-stream: the client was connected to A, then to B, and stayed there.
    expect(connected.map((session) => session.node)).toEqual(['node-a', 'node-b'])
    expect(client.url).toBe(urlOf(b))
    expect(client.session?.node).toBe('node-b')
  })

  it('connects through the second URL when the first refuses', async () => {
    const [, b] = await startCluster()
    const refused = `ws://127.0.0.1:${await closedPort()}/`
    const client = track(new Client([refused, urlOf(b)], { ...fast, WebSocket: NodeWebSocket }))
    const disconnected = nextEvent(client, 'disconnected')
    const session = await client.ready()
    expect(session.node).toBe('node-b')
    expect(client.url).toBe(urlOf(b))
    // The refused attempt was reported like any failed attempt, with its backoff delay.
    expect((await disconnected).reconnectInMs).toBeLessThanOrEqual(fast.minReconnectDelayMs)
    const sub = client.channel('room:second')
    await nextEvent(sub, 'subscribed')
    const got = new Received(sub)
    await b.hub.publish('room:second', 'hello')
    await got.count(1)
    expect(got.data).toEqual(['hello'])
  })

  it('goes round the list: after the last URL, the first again', async () => {
    const [a, b] = await startCluster()
    const client = track(connect([urlOf(a), urlOf(b)], fast))
    await client.ready()
    expect(client.session?.node).toBe('node-a')
    const onB = nextEvent(client, 'connected', (session) => session.node === 'node-b')
    // A's shutdown closes this client (1001): it goes to B.
    await a.close()
    await onB
    expect(client.url).toBe(urlOf(b))
    // B stops too: the client tries A (gone), then B again, and so on, until closed.
    // `url` in a `disconnected` listener is the URL of the next attempt.
    const next: string[] = []
    const threeAttempts = new Promise<void>((resolve) => {
      const off = client.on('disconnected', () => {
        next.push(client.url)
        if (next.length < 3) return
        off()
        resolve()
      })
    })
    await b.close()
    await threeAttempts
    expect(next).toEqual([urlOf(a), urlOf(b), urlOf(a)])
  })

  it('refuses an empty list at construction, and a non-string entry', () => {
    expect(() => connect([])).toThrow(/at least one URL/)
    expect(() => new Client([], { WebSocket: NodeWebSocket })).toThrow(TypeError)
    expect(() => connect([42 as unknown as string])).toThrow(/not a URL string/)
  })

  it('keeps taking one URL string', async () => {
    const [a] = await startCluster()
    const client = track(connect(urlOf(a), fast))
    expect((await client.ready()).node).toBe('node-a')
    expect(client.url).toBe(urlOf(a))
  })
})
