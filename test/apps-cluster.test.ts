/**
 * The bundled apps with their users on different nodes of one cluster (issue 12): two in-process
 * servers sharing one memory backend, as several `hubbub serve --redis` nodes share Redis. State
 * calls take an event-loop turn each (test/support/slow-state.ts), as over a network, so two
 * nodes' read-modify-write steps interleave.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  createBoardApp,
  createBuzzerApp,
  createBuzzerRooms,
  createCounterApp,
  createMetricsApp,
  createNotifyApp,
  createTextApp,
  type BuzzerSnapshot,
  type BuzzReply,
  type MetricsSample,
  type NotificationItem,
} from '../src/apps/index.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import { createRedisEngine } from '../src/engine/redis/index.js'
import type { Engine } from '../src/engine/types.js'
import type { Pub } from '../src/protocol/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { plainBuzzer } from './support/plain-buzzer.js'
import { disposeRedisServer, startRedisServer, type RedisServer } from './support/redis-server.js'
import { TestClient, credentialOf } from './support/protocol-client.js'
import { withSlowEngine } from './support/slow-engine.js'

// Nodes of one cluster share the server secret, so an anonymous credential works on both.
const SECRET = 'cluster-secret-0123456789abcdef-0123456789'
let nodes: HubbubServer[] = []
const clients: TestClient[] = []
const sockets: WebSocket[] = []

let redis: RedisServer | undefined
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  if (redis !== undefined) await disposeRedisServer(redis)
})

type Backend = 'memory' | 'redis'
let runs = 0
/** Two engines of one cluster on `backend`; each run of a test has a Redis prefix of its own. */
const enginesOn = (backend: Backend): [Engine, Engine] => {
  switch (backend) {
    case 'memory': {
      const shared = createMemoryBackend()
      return [
        withSlowEngine(createMemoryEngine({ shared })),
        withSlowEngine(createMemoryEngine({ shared })),
      ]
    }
    case 'redis': {
      if (redis === undefined) throw new Error('no redis-server')
      const url = redis.url
      const prefix = `apps-${String(process.pid)}-${String((runs += 1))}`
      return [createRedisEngine({ url, prefix }), createRedisEngine({ url, prefix })]
    }
  }
}

const startNodes = async (backend: Backend): Promise<void> => {
  const engines = enginesOn(backend)
  nodes = await Promise.all(
    (['node-a', 'node-b'] as const).map((nodeId, i) => {
      const rooms = createBuzzerRooms()
      return createServer({
        port: 0,
        nodeId,
        secret: SECRET,
        engine: engines[i],
        apps: [
          createTextApp({ buzzerRooms: rooms }),
          createBuzzerApp({ rooms }),
          createNotifyApp({ maxItemsPerUser: 12 }),
          createCounterApp(),
          createBoardApp(),
          createMetricsApp({ intervalMs: 50 }),
        ],
      })
    }),
  )
}

afterEach(async () => {
  // Nodes first: a node's shutdown ends its connections before its engine.
  await Promise.all(nodes.map((node) => node.close()))
  for (const ws of sockets.splice(0)) ws.terminate()
  await Promise.all(clients.splice(0).map((client) => client.closed))
})

const portOf = (index: number): number => {
  const node = nodes[index]
  if (node === undefined) throw new Error(`no node ${index}`)
  return node.port
}

const on = async (index: number, name: string, extra: Record<string, unknown> = {}) => {
  const client = await TestClient.connect(`ws://localhost:${portOf(index)}`, name, extra)
  clients.push(client)
  return client
}

const rpc = (client: TestClient, method: string, params: unknown = {}) =>
  client.request({ type: 'rpc', method, params })

/** A plain `/buzzer` client of node `index`. */
const plainOn = (index: number) => {
  const ws = new WebSocket(`ws://localhost:${portOf(index)}/buzzer`)
  sockets.push(ws)
  return plainBuzzer(ws)
}

/** A channel's subscribe `state` as a newcomer on node `index` gets it. */
const stateOf = async (
  index: number,
  channel: string,
  extra: Record<string, unknown> = {},
): Promise<unknown> => {
  const newcomer = await on(index, 'Newcomer', extra)
  const { state } = (await newcomer.request({ type: 'subscribe', channel })) as { state: unknown }
  return state
}

/** The next publication on `client` whose data `match` accepts. */
const nextData = async <T>(client: TestClient, match: (data: T) => boolean): Promise<T> => {
  const frame = await client.next('pub', (f) => match((f.pub as Pub).data as T))
  return frame.pub.data as T
}

describe.each(['memory', 'redis'] as const)('on %s', (backend) => {
  beforeEach(async () => {
    await startNodes(backend)
  })

  describe('buzzer across nodes', () => {
    it('gives players on both nodes one round with exactly one winner, seen alike on both', async () => {
      const watchers = await Promise.all([on(0, 'Watch A'), on(1, 'Watch B')])
      for (const watcher of watchers)
        await watcher.request({ type: 'subscribe', channel: 'buzzer:quiz' })
      const names = ['A1', 'A2', 'A3', 'B1', 'B2', 'B3']
      const players = await Promise.all(names.map((name, i) => on(i < 3 ? 0 : 1, name)))
      const replies = (await Promise.all(
        players.map((player) => rpc(player, 'buzzer.buzz', { room: 'quiz' })),
      )) as BuzzReply[]
      expect(replies.filter((reply) => reply.place === 1)).toHaveLength(1)
      expect(replies.map((reply) => reply.place).sort()).toEqual([1, 2, 3, 4, 5, 6])

      // Both nodes' watchers end on the same full ranking, and newcomers on both get it too.
      const seen = await Promise.all(
        watchers.map((watcher) =>
          nextData<BuzzerSnapshot>(watcher, (snapshot) => snapshot.results.length === 6),
        ),
      )
      expect(seen[1]).toEqual(seen[0])
      const ranking = seen[0]?.results.map((result) => result.name)
      expect(ranking?.slice().sort()).toEqual(names)
      const winner = players[replies.findIndex((reply) => reply.place === 1)]
      expect(ranking?.[0]).toBe(winner?.member?.name)
      expect(await stateOf(0, 'buzzer:quiz')).toEqual(seen[0])
      expect(await stateOf(1, 'buzzer:quiz')).toEqual(seen[0])
    })

    it("applies a host's open and reset from node B to players on node A", async () => {
      const host = await on(1, 'Host')
      const watcher = await on(0, 'Watch A')
      await watcher.request({ type: 'subscribe', channel: 'buzzer:show' })
      const alice = await on(0, 'Alice')
      const bob = await on(1, 'Bob')

      await rpc(host, 'buzzer.open', { room: 'show' })
      expect(
        await nextData<BuzzerSnapshot>(watcher, (snapshot) => snapshot.hosted && snapshot.open),
      ).toMatchObject({ results: [] })
      expect(await rpc(alice, 'buzzer.buzz', { room: 'show' })).toMatchObject({ place: 1 })
      expect(await rpc(bob, 'buzzer.buzz', { room: 'show' })).toMatchObject({ place: 2 })
      // Only the host may act, whichever node the others are on.
      await expect(rpc(alice, 'buzzer.reset', { room: 'show' })).rejects.toThrow(/^forbidden/)

      const reset = (await rpc(host, 'buzzer.reset', { room: 'show' })) as BuzzerSnapshot
      expect(reset).toMatchObject({ hosted: true, open: false, results: [] })
      expect(
        await nextData<BuzzerSnapshot>(watcher, (snapshot) => snapshot.roundId === reset.roundId),
      ).toEqual(reset)
      // The reset round is closed for Alice on node A until the host opens the next one.
      await expect(rpc(alice, 'buzzer.buzz', { room: 'show' })).rejects.toThrow(/^forbidden/)
      await rpc(host, 'buzzer.open', { room: 'show' })
      expect(await rpc(alice, 'buzzer.buzz', { room: 'show' })).toMatchObject({
        place: 1,
        repeat: false,
      })
    })

    it('puts plain /buzzer clients of both nodes and web players in one round of buzzer:main', async () => {
      const first = await plainOn(0)
      const second = await plainOn(1)
      const web = await on(0, 'Web')
      expect(await first.buzz()).toBe('First place!')
      expect(await second.buzz()).toMatch(/^Response time: \d+\.\d\d sec slower\.$/)
      expect(await rpc(web, 'buzzer.buzz', { room: 'main' })).toMatchObject({ place: 3 })
      expect(await second.buzz()).toBe('You already buzzed in this round.')
    })
  })

  describe('notify across nodes', () => {
    it('never miscounts unread when both nodes add and read one inbox at once', async () => {
      const a = await on(0, 'Ann')
      const b = await on(1, 'Ann', { credential: credentialOf(a) })
      const user = a.member?.user
      expect(b.member?.user).toBe(user)
      const send = (client: TestClient, title: string) =>
        rpc(client, 'notify.send', { user, title, body: '' }) as Promise<{ id: string }>

      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, i) => send(i % 2 === 0 ? a : b, `n${i}`)),
      )
      const ids = sent.map((item) => item.id)
      expect(new Set(ids).size).toBe(10)
      expect(await rpc(a, 'notify.list')).toMatchObject({ unread: 10 })

      // Two tabs on two nodes mark the same notifications read at once.
      const firstFive = ids.slice(0, 5)
      await Promise.all(firstFive.flatMap((id) => [a, b].map((c) => rpc(c, 'notify.read', { id }))))
      expect(await rpc(b, 'notify.list')).toMatchObject({ unread: 5 })

      // Adding past maxItemsPerUser (12) forgets the oldest while the other node reads them.
      // Both tabs dismiss one notification: one removes it, the other finds it gone or removed.
      const dismissed = Promise.allSettled(
        [a, b].map((c) => rpc(c, 'notify.dismiss', { id: ids[9] })),
      )
      await Promise.all([
        send(a, 'x1'),
        send(b, 'x2'),
        send(a, 'x3'),
        ...ids.slice(5, 8).map((id) => rpc(b, 'notify.read', { id })),
      ])
      const outcomes = await dismissed
      expect(outcomes.some((outcome) => outcome.status === 'fulfilled')).toBe(true)
      for (const outcome of outcomes)
        if (outcome.status === 'rejected')
          expect(String(outcome.reason)).toMatch(/^Error: not_found/)
      const { items, unread } = (await rpc(a, 'notify.list')) as {
        items: NotificationItem[]
        unread: number
      }
      expect(items).toHaveLength(11)
      expect(unread).toBe(items.filter((item) => !item.read).length)
      expect(await rpc(b, 'notify.list')).toEqual({ items, unread })

      await Promise.all([rpc(a, 'notify.readAll'), rpc(b, 'notify.readAll')])
      expect(await rpc(a, 'notify.list')).toMatchObject({ unread: 0 })
      expect(await stateOf(1, `notify:${user}`, { credential: credentialOf(a) })).toMatchObject({
        unread: 0,
      })
    })
  })

  describe('counter and board across nodes', () => {
    it('sums increments made on both nodes, and both nodes end on the sum', async () => {
      const watchers = await Promise.all([on(0, 'Watch A'), on(1, 'Watch B')])
      for (const watcher of watchers)
        await watcher.request({ type: 'subscribe', channel: 'counter:votes' })
      const adders = await Promise.all([on(0, 'Adder A'), on(1, 'Adder B')])
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          rpc(adders[i % 2] as TestClient, 'counter.add', { name: 'votes', delta: 1 }),
        ),
      )
      for (const watcher of watchers)
        await nextData<{ value: number }>(watcher, (data) => data.value === 20)
      expect(await stateOf(1, 'counter:votes')).toEqual({ value: 20 })
    })

    it('shows strokes drawn on node A to a viewer on node B, and a clear from B to A', async () => {
      const painter = await on(0, 'Painter')
      const viewer = await on(1, 'Viewer')
      await painter.request({ type: 'subscribe', channel: 'board:art' })
      await viewer.request({ type: 'subscribe', channel: 'board:art' })
      const stroke = { id: 's1', color: '#f00', width: 0.01, points: [[0.1, 0.2]] }
      await rpc(painter, 'board.stroke', { name: 'art', stroke })
      expect(await nextData(viewer, () => true)).toEqual({ kind: 'stroke', ...stroke })
      const { seq } = (await rpc(viewer, 'board.clear', { name: 'art' })) as { seq: number }
      expect(await nextData(painter, () => true)).toEqual({ kind: 'clear' })
      expect(await stateOf(0, 'board:art')).toEqual({ clearedAtSeq: seq })
    })
  })

  describe('dashboard across nodes', () => {
    it('shows samples of every node on sys:metrics, each tagged with its node', async () => {
      const dashboard = await on(0, 'Dashboard')
      await dashboard.request({ type: 'subscribe', channel: 'sys:metrics' })
      const seen = new Set<string>()
      while (seen.size < 2) {
        const sample = await nextData<MetricsSample>(dashboard, () => true)
        seen.add(sample.node)
      }
      expect([...seen].sort()).toEqual(['node-a', 'node-b'])
    })
  })
})
