/**
 * Several `hubbub serve --redis` nodes, as a user runs them: child processes on one real
 * redis-server that the test starts on a free port. One order for every subscriber on every node,
 * failover to another node with nothing lost or repeated, Redis losing its data (a new epoch, never
 * a silent gap) or keeping it (AOF), a cut link to Redis (a fast `unavailable`, then healed with no
 * gap), a pub/sub link that Redis drops (healed), and presence after a node dies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { UnsubscribeCode, type Pub } from '../src/protocol/index.js'
import { connect, type Client } from '../src/client/node.js'
import { useServeProcesses, type Served } from './support/cli-process.js'
import { TestClient } from './support/protocol-client.js'
import {
  disposeRedisServer,
  startRedisServer,
  type RedisServer,
  freePort,
  type RedisServerOptions,
} from './support/redis-server.js'
import { run } from './support/cli-client.js'
import { nextEvent, range, Received } from './support/sdk.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'

const SECRET = 'redis-nodes-secret-0123456789abcdef-0123'
const { serve } = useServeProcesses()
const redises: RedisServer[] = []
const proxies: TcpProxy[] = []
const clients: TestClient[] = []
const sdkClients: Client[] = []
const cleanups: (() => void)[] = []

afterEach(async () => {
  for (const client of sdkClients.splice(0)) client.close()
  for (const client of clients.splice(0)) client.ws.terminate()
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  await Promise.all(redises.splice(0).map((redis) => disposeRedisServer(redis)))
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const redisServer = async (options?: RedisServerOptions): Promise<RedisServer> => {
  const redis = await startRedisServer(options)
  redises.push(redis)
  return redis
}

/** A node on `redisPort`, with limits that let these tests publish quickly. */
const node = (redisPort: number, args: string[] = []): Promise<Served> =>
  serve([
    '--redis',
    `redis://127.0.0.1:${String(redisPort)}`,
    '--secret',
    SECRET,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--requests-per-second',
    '10000',
    '--request-burst',
    '10000',
    ...args,
  ])

const urlOf = (served: Served): string => `ws://127.0.0.1:${String(served.port)}/`

const client = async (served: Served, name: string): Promise<TestClient> => {
  const c = await TestClient.connect(urlOf(served), name)
  clients.push(c)
  return c
}

const sdk = (urls: string[]): Client => {
  const c = connect(urls, { minReconnectDelayMs: 20, maxReconnectDelayMs: 200 })
  sdkClients.push(c)
  return c
}

/**
 * `attempt` until it resolves: the node reconnects to Redis by itself, and nothing tells a client
 * when it has, so the client asks again, 50 ms apart, as an application would.
 */
const untilAccepted = async <T>(attempt: () => Promise<T>): Promise<T> => {
  for (;;) {
    try {
      return await attempt()
    } catch {
      await new Promise((resolve) => {
        setTimeout(resolve, 50)
      })
    }
  }
}

/** The next `count` publications `c` receives on `channel`. */
const pubs = async (c: TestClient, channel: string, count: number): Promise<Pub[]> => {
  const got: Pub[] = []
  while (got.length < count) got.push((await c.next('pub', (f) => f.channel === channel)).pub)
  return got
}

describe('nodes on one Redis', () => {
  it('a node whose Redis cannot be reached at start exits 1 with one line naming it', async () => {
    const port = await freePort()
    const outcome = await run([
      'serve',
      '--redis',
      `redis://:hunter2-password@127.0.0.1:${String(port)}`,
      '--secret',
      SECRET,
      '--port',
      '0',
    ])
    expect(outcome.code).toBe(1)
    expect(outcome.stderr.trim().split('\n')).toEqual([
      `hubbub: cannot reach Redis at redis://:***@127.0.0.1:${String(port)}: connect ECONNREFUSED 127.0.0.1:${String(port)}; start Redis or fix --redis`,
    ])
    // The password never shows.
    expect(outcome.stderr + outcome.stdout).not.toContain('hunter2')
  })

  it('publications one client sends to a new channel keep their order', async () => {
    const redis = await redisServer()
    const served = await node(redis.port)
    const writer = await client(served, 'Writer')
    const reader = await client(served, 'Reader')
    await reader.request({ type: 'subscribe', channel: 'fresh' })
    // All at once: the first finds no stream and creates it; the rest must not overtake it.
    await Promise.all(
      range(1, 40).map((i) => writer.request({ type: 'publish', channel: 'fresh', data: i })),
    )
    const got = await pubs(reader, 'fresh', 40)
    expect(got.map((pub) => pub.data)).toEqual(range(1, 40))
  }, 60_000)

  it('deliver four publishers on two nodes in one identical order to forty subscribers on both', async () => {
    const redis = await redisServer()
    const nodes = [await node(redis.port), await node(redis.port)]
    const subscribers = await Promise.all(
      range(0, 39).map(async (i) => {
        const c = await client(nodes[i % 2] as Served, `Reader-${String(i)}`)
        await c.request({ type: 'subscribe', channel: 'feed' })
        return c
      }),
    )
    const publishers = await Promise.all(
      range(0, 3).map((i) => client(nodes[i % 2] as Served, `Writer-${String(i)}`)),
    )
    const PER_PUBLISHER = 50
    // All at once, without waiting for replies: the four streams interleave in Redis.
    await Promise.all(
      publishers.flatMap((p, w) =>
        range(1, PER_PUBLISHER).map((i) =>
          p.request({ type: 'publish', channel: 'feed', data: { w, i } }),
        ),
      ),
    )
    const total = 4 * PER_PUBLISHER
    const seen = await Promise.all(subscribers.map((s) => pubs(s, 'feed', total)))
    const first = seen[0] ?? []
    expect(first.map((pub) => pub.seq)).toEqual(range(1, total))
    const order = (list: Pub[]) =>
      list.map((pub) => `${String(pub.seq)}:${JSON.stringify(pub.data)}`)
    for (const list of seen) expect(order(list)).toEqual(order(first))
    // Each publisher's own publications keep the order it sent them in.
    for (const w of range(0, 3)) {
      const own = first.flatMap((pub) => {
        const data = pub.data as { w: number; i: number }
        return data.w === w ? [data.i] : []
      })
      expect(own).toEqual(range(1, PER_PUBLISHER))
    }
  }, 60_000)

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    '%s of a node mid-stream: its client resumes on the other node, 0 lost, 0 repeated',
    async (signal) => {
      const redis = await redisServer()
      const [a, b] = [await node(redis.port), await node(redis.port)]
      const reader = sdk([urlOf(a), urlOf(b)])
      const sub = reader.channel('room:kill')
      await nextEvent(sub, 'subscribed')
      expect(reader.url).toBe(urlOf(a))
      const got = new Received(sub)
      const publisher = sdk([urlOf(b)])
      const TOTAL = 90
      const KILL_AFTER = 30
      for (let i = 1; i <= KILL_AFTER; i++) await publisher.publish('room:kill', i)
      await got.count(KILL_AFTER, 10_000)
      const resubscribed = nextEvent(sub, 'subscribed', undefined, 15_000)
      a.child.kill(signal)
      // Published while the reader has no node: it must find them in history on B.
      for (let i = KILL_AFTER + 1; i <= TOTAL; i++) await publisher.publish('room:kill', i)
      expect(await resubscribed).toMatchObject({ recovered: true })
      await got.count(TOTAL, 15_000)
      expect(got.seqs).toEqual(range(1, TOTAL))
      expect(got.data).toEqual(range(1, TOTAL))
      expect(reader.url).toBe(urlOf(b))
    },
    60_000,
  )

  it('a reconnect storm of 2,000 clients, their node killed, is spread by jitter: every one resumes on the other', async () => {
    const redis = await redisServer()
    const roomy = ['--max-connections-per-ip', '5000']
    const [a, b] = [await node(redis.port, roomy), await node(redis.port, roomy)]
    const CLIENTS = 2_000
    const storm: { client: Client; sub: ReturnType<Client['channel']> }[] = []
    // In batches, as they would have arrived over time.
    while (storm.length < CLIENTS) {
      const batch = range(1, 100).map(() => {
        // The SDK's default backoff: the first retry within 0-500 ms.
        const c = connect([urlOf(a), urlOf(b)])
        sdkClients.push(c)
        return { client: c, sub: c.channel('storm') }
      })
      await Promise.all(batch.map(({ sub }) => nextEvent(sub, 'subscribed', undefined, 20_000)))
      storm.push(...batch)
    }
    const arrivals: number[] = []
    const resumed = storm.map(async ({ client: c, sub }) => {
      const session = await nextEvent(c, 'connected', undefined, 30_000)
      arrivals.push(performance.now())
      const subscribed = await nextEvent(sub, 'subscribed', undefined, 30_000)
      return { node: session.node, recovered: subscribed.recovered }
    })
    const killedAt = performance.now()
    a.child.kill('SIGKILL')
    const settled = await Promise.allSettled(resumed)
    const failed = settled.filter((r) => r.status === 'rejected')
    if (failed.length > 0)
      throw new Error(
        `${String(failed.length)} did not resume (${String(failed[0]?.reason)}); B's log: ${b.stderr().slice(0, 3000)}`,
      )
    const outcomes = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const bNode = outcomes[0]?.node
    expect(outcomes.every((o) => o.node === bNode && o.recovered)).toBe(true)
    // Full jitter: the first retries spread over the first delay bound, not all at the kill.
    const sorted = arrivals.sort((x, y) => x - y)
    const spreadMs = (sorted.at(-1) ?? 0) - (sorted[0] ?? 0)
    expect(spreadMs).toBeGreaterThan(200)
    expect((sorted[0] ?? 0) - killedAt).toBeGreaterThanOrEqual(0)
    // Measured, not asserted: how many the busy node turned away at the door (they came back).
    const turnedAway = b.stderr().split('closed a socket before its request').length - 1
    process.stderr.write(
      `reconnect storm: spread ${spreadMs.toFixed(0)} ms, ${String(turnedAway)} log lines of sockets turned away\n`,
    )
  }, 120_000)

  it('Redis restarted without persistence: a new epoch, and clients are told recovered: false', async () => {
    const redis = await redisServer()
    const served = await node(redis.port)
    const reader = await client(served, 'Reader')
    await reader.request({ type: 'subscribe', channel: 'news' })
    const writer = await client(served, 'Writer')
    await writer.request({ type: 'publish', channel: 'news', data: 1 })
    const [first] = await pubs(reader, 'news', 1)
    const before = { epoch: first?.epoch, seq: first?.seq }
    await redis.stop('SIGKILL')
    await redis.start()
    // The node reconnects by itself; a publish succeeds once it has.
    await untilAccepted(() => writer.request({ type: 'publish', channel: 'news', data: 2 }))
    // The live subscriber is told its stream was lost, never shown a silent gap...
    const unsubscribed = await reader.next('unsubscribed', (f) => f.channel === 'news')
    expect(unsubscribed).toMatchObject({ code: UnsubscribeCode.Resubscribe })
    // ...and resuming from its old position says recovered: false, in a new epoch.
    const resumed = (await reader.request({
      type: 'subscribe',
      channel: 'news',
      since: before,
    })) as {
      recovered: boolean
      epoch: string
      seq: number
    }
    expect(resumed.recovered).toBe(false)
    expect(resumed.epoch).not.toBe(before.epoch)
    expect(resumed.seq).toBe(1)
  }, 60_000)

  it('Redis restarted with AOF: the same epoch, and a client resumes with everything', async () => {
    const redis = await redisServer({ appendOnly: true })
    const served = await node(redis.port)
    const writer = await client(served, 'Writer')
    const at = (await writer.request({ type: 'subscribe', channel: 'kept' })) as {
      epoch: string
      seq: number
    }
    for (const data of [1, 2]) await writer.request({ type: 'publish', channel: 'kept', data })
    await redis.stop('SIGTERM')
    await redis.start({ appendOnly: true })
    const third = await untilAccepted(() =>
      writer.request({ type: 'publish', channel: 'kept', data: 3 }),
    )
    expect(third).toEqual({ seq: 3 })
    const reader = await client(served, 'Reader')
    const resumed = (await reader.request({
      type: 'subscribe',
      channel: 'kept',
      since: { epoch: at.epoch, seq: 1 },
    })) as { recovered: boolean; epoch: string; missed: Pub[] }
    expect(resumed).toMatchObject({ recovered: true, epoch: at.epoch })
    expect(resumed.missed.map((pub) => pub.data)).toEqual([2, 3])
  }, 60_000)

  it('a stalled link to Redis: requests answer unavailable, then it heals with no gap', async () => {
    const redis = await redisServer()
    const proxy = await startTcpProxy(redis.port)
    proxies.push(proxy)
    const cutOff = await node(proxy.port)
    const other = await node(redis.port)
    const reader = await client(cutOff, 'Reader')
    await reader.request({ type: 'subscribe', channel: 'live' })
    const writer = await client(other, 'Writer')
    await writer.request({ type: 'publish', channel: 'live', data: 1 })
    expect((await pubs(reader, 'live', 1)).map((pub) => pub.data)).toEqual([1])

    proxy.stall()
    const local = await client(cutOff, 'Local')
    const reply = await local.call({ type: 'publish', channel: 'live', data: 'lost?' })
    expect(reply).toMatchObject({ error: { code: 'unavailable' } })
    // A plain endpoint that needs no storage keeps working meanwhile.
    const echo = new WebSocket(`${urlOf(cutOff)}echo`)
    await once(echo, 'open')
    const echoed = once(echo, 'message')
    echo.send('still here')
    expect(String((await echoed)[0])).toBe('Echo: still here')
    echo.terminate()
    // Published on the other node while this one cannot hear Redis.
    for (const data of [2, 3, 4]) await writer.request({ type: 'publish', channel: 'live', data })
    proxy.restore()
    // The node notices its dead link, connects again, and heals from history, in order.
    const healed = await pubs(reader, 'live', 3).catch((err: unknown) => {
      throw new Error(`${String(err)}; the node's log: ${cutOff.stderr()}`)
    })
    expect(healed.map((pub) => pub.data)).toEqual([2, 3, 4])
    expect(healed.map((pub) => pub.seq)).toEqual([2, 3, 4])
    const after = await untilAccepted(() =>
      local.request({ type: 'publish', channel: 'live', data: 5 }),
    )
    expect(after).toMatchObject({ seq: 5 })
    expect((await pubs(reader, 'live', 1)).map((pub) => pub.data)).toEqual([5])
  }, 60_000)

  it('a stalled node whose pub/sub link Redis drops heals from history', async () => {
    // Redis drops a subscriber connection whose output buffer passes 256 KiB.
    const redis = await redisServer({
      args: ['--client-output-buffer-limit', 'pubsub 256kb 256kb 0'],
    })
    const dir = mkdtempSync(join(tmpdir(), 'hubbub-flood-'))
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true })
    })
    const config = join(dir, 'hubbub.json')
    writeFileSync(config, JSON.stringify({ channels: { flood: { historySize: 1_000 } } }))
    const stalled = await node(redis.port, ['--config', config])
    const other = await node(redis.port, ['--config', config])
    const reader = await client(stalled, 'Reader')
    await reader.request({ type: 'subscribe', channel: 'flood' })
    const writer = await client(other, 'Writer')
    stalled.child.kill('SIGSTOP')
    const PAD = 'x'.repeat(30_000)
    const COUNT = 400
    // 12 MB while the node reads nothing: past what the socket buffers take, Redis drops it.
    for (let i = 1; i <= COUNT; i++)
      await writer.request({ type: 'publish', channel: 'flood', data: { i, pad: PAD } })
    stalled.child.kill('SIGCONT')
    const got = await pubs(reader, 'flood', COUNT)
    expect(redis.log()).toContain('overcoming of output buffer limits')
    expect(got.map((pub) => pub.seq)).toEqual(range(1, COUNT))
    expect(got.map((pub) => (pub.data as { i: number }).i)).toEqual(range(1, COUNT))
  }, 60_000)

  it('presence converges after a node dies: its members leave, with a leave event, within --presence-ttl', async () => {
    const redis = await redisServer()
    const [a, b] = [
      await node(redis.port, ['--presence-ttl', '1000']),
      await node(redis.port, ['--presence-ttl', '1000']),
    ]
    const alice = await client(a, 'Alice')
    await alice.request({ type: 'subscribe', channel: 'chat:room', presence: true })
    const bob = await client(b, 'Bob')
    const names = async (): Promise<string[]> => {
      const list = (await bob.request({ type: 'presence', channel: 'chat:room' })) as {
        members: { name: string }[]
      }
      return list.members.map((m) => m.name).sort()
    }
    await bob.request({ type: 'subscribe', channel: 'chat:room', presence: true })
    expect(await names()).toEqual(['Alice', 'Bob'])
    a.child.kill('SIGKILL')
    // Alice's node never says she left: Bob's node reports it once her entry has expired.
    const left = await bob.next('leave', (f) => f.channel === 'chat:room')
    expect(left).toMatchObject({ member: { name: 'Alice' } })
    while ((await names()).includes('Alice'))
      await new Promise((resolve) => {
        setTimeout(resolve, 100)
      })
    expect(await names()).toEqual(['Bob'])
  }, 60_000)
})
