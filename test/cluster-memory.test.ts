import { afterEach, beforeEach, expect, it } from 'vitest'
import type { Member, Pub } from '../src/protocol/index.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { TestClient, credentialOf } from './support/protocol-client.js'

// Two nodes in one process sharing one memory backend: the multi-node behaviour of the hub,
// tested before any network broker. Nodes of one cluster share the server secret, so that an
// anonymous credential issued by one is recognised by the other (docs/operations.md).
const SECRET = 'cluster-secret-0123456789abcdef-0123456789'
let nodes: HubbubServer[] = []
const clients: TestClient[] = []

beforeEach(async () => {
  const shared = createMemoryBackend()
  nodes = await Promise.all(
    ['node-a', 'node-b'].map((nodeId) =>
      createServer({
        port: 0,
        nodeId,
        secret: SECRET,
        engine: createMemoryEngine({ shared }),
        channels: { 'room:*': { joinLeave: true } },
      }),
    ),
  )
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
  await Promise.all(nodes.map((node) => node.close()))
})

const on = async (index: number, name: string, extra: Record<string, unknown> = {}) => {
  const node = nodes[index]
  if (node === undefined) throw new Error(`no node ${index}`)
  const client = await TestClient.connect(`ws://localhost:${node.port}`, name, extra)
  clients.push(client)
  return client
}

it('delivers across nodes, with presence and join/leave of both', async () => {
  const alice = await on(0, 'Alice')
  const bob = await on(1, 'Bob')
  expect(alice.member).toMatchObject({ node: 'node-a' })
  expect(bob.member).toMatchObject({ node: 'node-b' })
  await alice.request({ type: 'subscribe', channel: 'room:x' })
  const result = (await bob.request({ type: 'subscribe', channel: 'room:x', presence: true })) as {
    members: Member[]
  }
  expect(result.members.map((member) => member.name).sort()).toEqual(['Alice', 'Bob'])
  expect(await alice.next('join')).toMatchObject({ member: { name: 'Bob' } })
  await bob.request({ type: 'publish', channel: 'room:x', data: 'from b' })
  await alice.request({ type: 'publish', channel: 'room:x', data: 'from a' })
  expect((await alice.next('pub')).pub).toMatchObject({ seq: 1, data: 'from b' })
  expect((await bob.next('pub')).pub).toMatchObject({ seq: 2, data: 'from a' })
  await bob.close()
  expect(await alice.next('leave')).toMatchObject({ member: { name: 'Bob' } })
})

it('resumes on the other node with exactly what was missed', async () => {
  const publisher = await on(0, 'Pub')
  const reader = await on(0, 'Reader')
  const first = (await reader.request({ type: 'subscribe', channel: 'room:r' })) as {
    epoch: string
  }
  await publisher.request({ type: 'publish', channel: 'room:r', data: 1 })
  const seen = (await reader.next('pub')).pub
  await reader.close()
  for (const n of [2, 3]) await publisher.request({ type: 'publish', channel: 'room:r', data: n })
  const moved = await on(1, 'Reader')
  const result = (await moved.request({
    type: 'subscribe',
    channel: 'room:r',
    since: { epoch: first.epoch, seq: seen.seq },
  })) as { recovered: boolean; missed: Pub[] }
  expect(result.recovered).toBe(true)
  expect(result.missed.map((pub) => pub.data)).toEqual([2, 3])
})

it('deduplicates a retried publish that lands on the other node', async () => {
  const a = await on(0, 'A')
  // The SDK's reconnect to the other node: the same anonymous user, by its credential.
  const b = await on(1, 'A', { credential: credentialOf(a) })
  expect(b.member?.user).toBe(a.member?.user)
  const reader = await on(1, 'Reader')
  await reader.request({ type: 'subscribe', channel: 'room:k' })
  const first = await a.request({ type: 'publish', channel: 'room:k', data: 'x', key: 'once' })
  const retry = await b.request({ type: 'publish', channel: 'room:k', data: 'x', key: 'once' })
  expect(retry).toEqual(first)
  await a.request({ type: 'publish', channel: 'room:k', data: 'next' })
  expect((await reader.next('pub')).pub).toMatchObject({ seq: 1, data: 'x' })
  expect((await reader.next('pub')).pub).toMatchObject({ seq: 2, data: 'next' })
})
