/**
 * The SDK against a real `hubbub serve` process on SQLite that is stopped between publications,
 * once with SIGTERM (graceful: 1001 and a retry hint) and once with SIGKILL (no goodbye at all),
 * and started again on the same port and data directory: the clients reconnect by themselves, the
 * subscriber recovers in the same epoch with no gap and no duplicate, and publishes made while the
 * server was down arrive once each.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, expect, it } from 'vitest'
import { connect, type Client, type Pub } from '../src/client/node.js'
import { useServeProcesses } from './support/cli-process.js'
import { nextEvent } from './support/sdk.js'

const root = mkdtempSync(join(tmpdir(), 'hubbub-sdk-restart-'))
const { serve } = useServeProcesses()
const clients: Client[] = []

afterEach(() => {
  for (const client of clients.splice(0)) client.close()
})
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

const open = (port: number, name: string): Client => {
  const client = connect(`ws://localhost:${port}`, {
    name,
    minReconnectDelayMs: 10,
    maxReconnectDelayMs: 100,
  })
  clients.push(client)
  return client
}

it('recovers in the same epoch with no gap across a SIGTERM and a SIGKILL restart', async () => {
  const dataDir = join(root, 'data')
  let server = await serve(['--port', '0', '--data', dataDir])
  const { port } = server
  const reader = open(port, 'Reader')
  const writer = open(port, 'Writer')
  const inbox = reader.channel('room:restart')
  const received: Pub[] = []
  const resets: unknown[] = []
  inbox.on('message', (pub) => received.push(pub))
  inbox.on('reset', (reset) => resets.push(reset))
  const { epoch } = await nextEvent(inbox, 'subscribed')
  await writer.ready()

  let sent = 0
  const publishSome = async (count: number) => {
    const replies = []
    for (let i = 0; i < count; i++) replies.push(writer.publish('room:restart', { n: ++sent }))
    return await Promise.all(replies)
  }

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    await publishSome(10)
    await expect.poll(() => received.length).toBe(sent)
    const outcome = await server.stop(signal)
    expect(outcome.signal ?? outcome.code).toBe(signal === 'SIGTERM' ? 0 : 'SIGKILL')
    // Made while the server is down: they wait in the writer's outbox.
    const offline = publishSome(5)
    const recovered = nextEvent(inbox, 'subscribed', ({ wasRecovering }) => wasRecovering)
    server = await serve(['--port', String(port), '--data', dataDir])
    await offline
    expect(await recovered).toMatchObject({ epoch, recovered: true })
    await publishSome(10)
    await expect.poll(() => received.length).toBe(sent)
  }

  expect(resets).toEqual([])
  expect(received.map((pub) => pub.seq)).toEqual(Array.from({ length: sent }, (_, i) => i + 1))
  expect(received.map((pub) => (pub.data as { n: number }).n)).toEqual(
    Array.from({ length: sent }, (_, i) => i + 1),
  )
  expect(received.every((pub) => pub.epoch === epoch)).toBe(true)
})
