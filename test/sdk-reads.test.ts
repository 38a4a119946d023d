/**
 * The SDK's reads without a subscription (`client.presence`, `client.history`), a subscription's
 * reads after `unsubscribe()`, and the cause a refused connection reports (an HTTP status at the
 * upgrade, a closed port, an unknown host), over real loopback sockets.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, HubbubError, type Client } from '../src/client/node.js'
import { createHarness, nextEvent } from './support/sdk.js'

const h = createHarness()
const others: { close(): void }[] = []
afterEach(async () => {
  for (const other of others.splice(0)) other.close()
  await h.cleanUp()
})

const channels = { 'room:*': { joinLeave: true, presence: true, historySize: 10 } }

describe('reads without subscribing', () => {
  it('lists presence and reads history without joining the channel', async () => {
    const server = await h.server({ channels })
    const member = h.client(server.port, { name: 'Member' })
    const sub = member.channel('room:a')
    await nextEvent(sub, 'subscribed')
    for (const text of ['one', 'two', 'three']) await sub.publish({ text })

    let joins = 0
    sub.on('join', () => (joins += 1))
    const reader = h.client(server.port, { name: 'Reader' })
    await reader.ready()
    const members = await reader.presence('room:a')
    expect(members.map((m) => m.name)).toEqual(['Member'])
    const history = await reader.history('room:a', { limit: 2 })
    expect(history.pubs.map((pub) => pub.data)).toEqual([{ text: 'two' }, { text: 'three' }])
    const newestFirst = await reader.history('room:a', { reverse: true })
    expect(newestFirst.pubs.map((pub) => pub.data)).toEqual([
      { text: 'three' },
      { text: 'two' },
      { text: 'one' },
    ])
    const since = await reader.history('room:a', {
      since: { epoch: history.epoch, seq: history.seq - 1 },
    })
    expect(since.pubs.map((pub) => pub.data)).toEqual([{ text: 'three' }])
    // The reader never became a member: nobody saw it join, and presence still lists one.
    expect(joins).toBe(0)
    expect((await member.presence('room:a')).map((m) => m.name)).toEqual(['Member'])
  })

  it('rejects with the server’s code, and with disconnected while offline', async () => {
    const server = await h.server({
      channels: { ...channels, 'quiet:*': { presence: false } },
    })
    const reader = h.client(server.port)
    await reader.ready()
    const refused = await reader.presence('quiet:x').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HubbubError)
    expect((refused as HubbubError).code).toBe('not_found')
    await server.close()
    await nextEvent(reader, 'disconnected')
    const offline = await reader.history('room:a').catch((error: unknown) => error)
    expect(offline).toMatchObject({ code: 'disconnected' })
  })
})

describe('a subscription after unsubscribe()', () => {
  it('rejects presence() and history() with closed', async () => {
    const server = await h.server({ channels })
    const client = h.client(server.port)
    const sub = client.channel('room:b')
    await nextEvent(sub, 'subscribed')
    expect(await sub.presence()).toHaveLength(1)
    await sub.unsubscribe()
    for (const read of [sub.presence(), sub.history()]) {
      const error = await read.catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(HubbubError)
      expect(error).toMatchObject({ code: 'closed', message: 'not subscribed to "room:b"' })
    }
  })
})

/** An HTTP server that answers every WebSocket upgrade with `status`. */
const refusingServer = async (status: number): Promise<number> => {
  const server: Server = createHttpServer((_request, response) => {
    response.writeHead(404).end()
  })
  server.on('upgrade', (_request, socket) => {
    socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  others.push({ close: () => server.close() })
  return (server.address() as AddressInfo).port
}

/** A port nothing listens on: bound once, then released. */
const closedPort = async (): Promise<number> => {
  const server = createHttpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const firstDrop = (client: Client) => nextEvent(client, 'disconnected')

describe('a refused connection', () => {
  it.each([403, 404, 503])('reports HTTP %i at the upgrade as its cause', async (status) => {
    const port = await refusingServer(status)
    const client = h.client(port)
    const dropped = await firstDrop(client)
    expect(dropped).toMatchObject({
      code: 1006,
      cause: { kind: 'http', status },
      reason: `the server refused the WebSocket upgrade with HTTP ${status}`,
    })
    // And it goes on trying, as after any failed attempt.
    expect(client.state).toBe('disconnected')
  })

  it('reports a closed port as ECONNREFUSED', async () => {
    const client = h.client(await closedPort())
    const dropped = await firstDrop(client)
    expect(dropped.code).toBe(1006)
    expect(dropped.cause).toMatchObject({ kind: 'network', errno: 'ECONNREFUSED' })
    expect(dropped.reason).toMatch(/ECONNREFUSED/)
  })

  it('reports an unknown host with its DNS errno', async () => {
    // .invalid never resolves (RFC 2606); no network is needed to learn that.
    const client = connect('ws://hubbub-test.invalid:8765/', { maxReconnectDelayMs: 60_000 })
    others.push(client)
    const dropped = await firstDrop(client)
    expect(dropped.cause).toMatchObject({ kind: 'network' })
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(
      (dropped.cause as { errno: string } | undefined)?.errno,
    )
  })

  it('gives a connection that opened and then dropped no cause', async () => {
    const server = await h.server()
    const client = h.client(server.port)
    await client.ready()
    const dropped = firstDrop(client)
    await server.close()
    expect((await dropped).cause).toBeUndefined()
  })
})
