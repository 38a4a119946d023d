/**
 * Two `hubbub serve --redis` nodes behind nginx and behind HAProxy, each running the documented
 * config (docs/examples/) with only its ports changed, no sticky sessions: clients spread over both
 * nodes, each counted by its own address (X-Forwarded-For with --trust-proxy), publications and
 * presence cross nodes, and after a SIGKILL of one node its clients come back through the proxy on
 * the survivor, as the same anonymous user, and resume `since` their position with nothing lost or
 * repeated.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { serverDefaults } from '../src/server/index.js'
import { useServeProcesses, type Served } from './support/cli-process.js'
import { within } from './support/deadline.js'
import { opened } from './support/frames.js'
import { credentialOf, TestClient } from './support/protocol-client.js'
import { disposeRedisServer, startRedisServer, type RedisServer } from './support/redis-server.js'
import {
  exampleConfigFile,
  startReverseProxy,
  type ProxyKind,
  type ReverseProxy,
} from './support/reverse-proxy.js'

const SECRET = 'proxy-test-secret-shared-by-both-nodes'
const CHANNEL = 'chat:proxied'

const { serve } = useServeProcesses()
const redisServers: RedisServer[] = []
const proxies: ReverseProxy[] = []
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate()
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()))
  await Promise.all(redisServers.splice(0).map((redis) => disposeRedisServer(redis)))
})

interface Pub {
  seq: number
  epoch: string
  data: { text: string }
}

interface Subscribed {
  epoch: string
  seq: number
  recovered: boolean
  missed: Pub[]
  members?: { client: string }[]
}

/**
 * A `hubbub.v1` client through the proxy from its own loopback address (so that the node's
 * per-address limit sees it apart from the others), connected as `name`; rejects with the close
 * code when the node closes it instead of answering `connect`.
 */
const connectFrom = async (
  proxy: ReverseProxy,
  address: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<TestClient> => {
  const client = new TestClient(`${proxy.url.replace('http', 'ws')}/`, { localAddress: address })
  clients.push(client)
  await opened(client.ws)
  const refused = client.closed.then(({ code, reason }) => {
    throw new Error(`closed ${code} (${reason}) instead of connected`)
  })
  const member = await Promise.race([client.request({ type: 'connect', name, ...extra }), refused])
  client.member = member as TestClient['member']
  return client
}

const nodeOf = (client: TestClient): string => (client.member as unknown as { node: string }).node

const healthNode = async (served: Served): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${served.port}/healthz`)
  return ((await response.json()) as { node: string }).node
}

const subscribe = async (client: TestClient, frame: Record<string, unknown> = {}) =>
  (await client.request({ type: 'subscribe', channel: CHANNEL, ...frame })) as Subscribed

const publish = async (client: TestClient, text: string): Promise<number> =>
  ((await client.request({ type: 'publish', channel: CHANNEL, data: { text } })) as { seq: number })
    .seq

const nextPub = async (client: TestClient): Promise<Pub> =>
  (await client.next('pub', (frame) => frame.channel === CHANNEL)).pub as unknown as Pub

const pubsPending = (client: TestClient) =>
  client.inbox.pending.filter((frame) => frame.type === 'pub' && frame.channel === CHANNEL)

describe.each<ProxyKind>(['nginx', 'haproxy'])('behind %s, no sticky sessions', (kind) => {
  it('spreads clients over both nodes, shares publications and presence, and fails over with nothing lost', async () => {
    const redis = await startRedisServer()
    redisServers.push(redis)
    // --max-connections-per-ip 1: each client must be counted by its own address, not the proxy's.
    const nodeArgs = [
      ...['--redis', redis.url, '--secret', SECRET, '--host', '127.0.0.1', '--port', '0'],
      '--trust-proxy',
      '--max-connections-per-ip',
      '1',
      '--log-level',
      'warn',
    ]
    const nodes = [await serve(nodeArgs), await serve(nodeArgs)] as const
    const nodeIds = await Promise.all(nodes.map(healthNode))
    expect(new Set(nodeIds).size).toBe(2)
    const proxy = await startReverseProxy(kind, [nodes[0].port, nodes[1].port])
    proxies.push(proxy)

    // Six clients from six addresses: round-robin puts them on both nodes, every one admitted.
    const people: TestClient[] = []
    const addresses = new Map<TestClient, string>()
    for (let i = 0; i < 6; i++) {
      const client = await connectFrom(proxy, `127.0.0.${10 + i}`, `P${i}`)
      people.push(client)
      addresses.set(client, `127.0.0.${10 + i}`)
    }
    const onNode = (id: string) => people.filter((client) => nodeOf(client) === id)
    expect(new Set(people.map(nodeOf))).toEqual(new Set(nodeIds))
    expect(onNode(nodeIds[0] ?? '').length).toBeGreaterThan(0)
    expect(onNode(nodeIds[1] ?? '').length).toBeGreaterThan(0)

    // Three connections from one address, at most one per node: one at least is refused 1013.
    const crowd = await Promise.allSettled(
      ['A', 'B'].map((name) => connectFrom(proxy, '127.0.0.10', name)),
    )
    const refusals = crowd.filter((outcome) => outcome.status === 'rejected')
    expect(refusals.length).toBeGreaterThan(0)
    for (const refusal of refusals)
      expect(String(refusal.reason)).toMatch(
        /closed 1013 \(too many connections from your address\)/,
      )
    for (const outcome of crowd) if (outcome.status === 'fulfilled') outcome.value.ws.terminate()

    // Everyone subscribes with presence: the member list spans both nodes.
    const positions = []
    for (const client of people) positions.push(await subscribe(client, { presence: true }))
    const everyone = people.map((client) => client.member?.client).sort()
    const { members } = (await people[0]?.request({ type: 'presence', channel: CHANNEL })) as {
      members: { client: string }[]
    }
    expect(members.map((member) => member.client).sort()).toEqual(everyone)

    const epoch = positions[0]?.epoch
    expect(positions.map((position) => position.epoch)).toEqual(people.map(() => epoch))

    // A publisher on the node that survives; subscribers on both, the dying one included.
    const [victimId, survivorId] = nodeIds as [string, string]
    const victim = nodes[0]
    const writer = onNode(survivorId)[0] as TestClient
    for (const text of ['m1', 'm2', 'm3']) await publish(writer, text)
    for (const [index, client] of people.entries()) {
      if (client === writer) continue
      const got = [await nextPub(client), await nextPub(client), await nextPub(client)]
      expect(
        got.map((pub) => [pub.seq, pub.data.text]),
        `P${index}`,
      ).toEqual([
        [1, 'm1'],
        [2, 'm2'],
        [3, 'm3'],
      ])
    }

    // SIGKILL the other node: no goodbye; the proxy drops its clients' sockets.
    const stranded = onNode(victimId)
    const credentials = new Map(stranded.map((client) => [client, credentialOf(client)]))
    await victim.stop('SIGKILL')
    const closes = await within(
      10_000,
      'stranded clients closed',
      Promise.all(stranded.map((client) => client.closed)),
    )
    // No close frame from a dead node: the proxy just drops the socket.
    expect(closes.map(({ code }) => code)).toEqual(stranded.map(() => 1006))
    // Published while they are away.
    for (const text of ['m4', 'm5', 'm6']) await publish(writer, text)

    // Back through the same proxy: each lands on the survivor as the same user and resumes.
    const back = await Promise.all(
      stranded.map((client) =>
        connectFrom(proxy, addresses.get(client) ?? '', client.member?.name ?? '', {
          credential: credentials.get(client),
        }),
      ),
    )
    for (const [index, client] of back.entries()) {
      const before = stranded[index] as TestClient
      expect(nodeOf(client)).toBe(survivorId)
      expect(client.member?.user).toBe(before.member?.user)
      const resumed = await subscribe(client, { since: { epoch, seq: 3 } })
      expect(resumed).toMatchObject({ epoch, seq: 6, recovered: true })
      expect(resumed.missed.map((pub) => [pub.seq, pub.data.text])).toEqual([
        [4, 'm4'],
        [5, 'm5'],
        [6, 'm6'],
      ])
    }
    // Live again, once: the next publication arrives, and nothing else did.
    await publish(writer, 'm7')
    for (const client of back) {
      const pub = await nextPub(client)
      expect([pub.seq, pub.data.text]).toEqual([7, 'm7'])
      expect(pubsPending(client)).toEqual([])
    }
    // The survivor's own subscribers saw it all live, in order, once.
    for (const client of onNode(survivorId).filter((c) => c !== writer)) {
      const got = []
      for (let i = 0; i < 4; i++) got.push(await nextPub(client))
      expect(got.map((pub) => pub.seq)).toEqual([4, 5, 6, 7])
      expect(pubsPending(client)).toEqual([])
    }
    // HAProxy's health check on /healthz took the dead node out (nginx marks it failed passively).
    if (kind === 'haproxy')
      await expect.poll(() => proxy.stderr(), { timeout: 15_000 }).toMatch(/hubbub\/node1 is DOWN/)
    expect(proxy.stderr()).not.toMatch(/\[emerg\]|\[ALERT\]/)
  }, 60_000)
})

/** The idle timeout each documented config sets for a WebSocket, in ms. */
const idleTimeoutMs = (kind: ProxyKind): number => {
  const text = readFileSync(exampleConfigFile(kind), 'utf8')
  const pattern =
    kind === 'nginx' ? /^\s*proxy_read_timeout (\d+)s;/m : /^\s*timeout tunnel (\d+)s/m
  const seconds = pattern.exec(text)?.[1]
  if (seconds === undefined) throw new Error(`${kind}: no WebSocket idle timeout in seconds`)
  return Number(seconds) * 1_000
}

it.each<ProxyKind>(['nginx', 'haproxy'])(
  "%s keeps a quiet WebSocket open: its idle timeout outlasts hubbub's ping interval",
  (kind) => {
    // A connection with no traffic still carries a ping every pingIntervalMs and its pong.
    expect(idleTimeoutMs(kind)).toBeGreaterThan(2 * serverDefaults.pingIntervalMs)
  },
)
