/**
 * Issue 11: WebSockets that upgrade and then never send `connect` are budgeted per address, so
 * one client cannot fill the server with them; other addresses are unaffected.
 */
import { once } from 'node:events'
import { WebSocket } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { PENDING_GRACE_MS } from '../../src/server/socket-guard.js'
import { useLimitedServe } from './serve-process.js'

const { serve } = useLimitedServe()
const sockets = new Set<WebSocket>()
afterEach(() => {
  for (const socket of sockets) socket.terminate()
  sockets.clear()
})

/** A hubbub.v1 WebSocket from `localAddress` that has opened, and how it ended, if it has. */
const openSilent = async (port: number, localAddress: string) => {
  const socket = new WebSocket(`ws://127.0.0.1:${String(port)}/`, 'hubbub.v1', { localAddress })
  sockets.add(socket)
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code: number, reason: Buffer) => {
      resolve({ code, reason: reason.toString('utf8') })
    })
  })
  await once(socket, 'open')
  return { socket, closed }
}

/** Waits until sockets opened before now count against their address (`PENDING_GRACE_MS`). */
const pastGrace = (): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, PENDING_GRACE_MS + 100)
  })

const connectFrame = async (socket: WebSocket): Promise<Record<string, unknown>> => {
  const message = once(socket, 'message')
  socket.send(JSON.stringify({ type: 'connect', id: 1 }))
  const [data] = (await message) as [Buffer]
  return JSON.parse(data.toString('utf8')) as Record<string, unknown>
}

describe('WebSockets awaiting connect', () => {
  it('past 128 waiting over a second from one address, more are closed 1013; another address connects', async () => {
    const server = await serve([])
    // In batches of 32: more at once from one address would meet the budget on pending headers.
    const silent: Awaited<ReturnType<typeof openSilent>>[] = []
    while (silent.length < 128)
      silent.push(
        ...(await Promise.all(
          Array.from({ length: 32 }, () => openSilent(server.port, '127.0.0.2')),
        )),
      )
    // Young ones do not count (a busy server reads late): these count once past the grace.
    await pastGrace()
    const refused = await Promise.all(
      Array.from({ length: 8 }, () => openSilent(server.port, '127.0.0.2')),
    )
    for (const { closed } of refused)
      expect(await closed).toEqual({
        code: 1013,
        reason: 'too many connections from your address waiting to connect',
      })
    const other = await openSilent(server.port, '127.0.0.3')
    expect(await connectFrame(other.socket)).toMatchObject({ type: 'reply', id: 1 })
    // Once one of the 128 connects, its address has room for one more.
    const first = silent[0]
    if (first === undefined) throw new Error('no socket')
    expect(await connectFrame(first.socket)).toMatchObject({ type: 'reply', id: 1 })
    const next = await openSilent(server.port, '127.0.0.2')
    expect(await connectFrame(next.socket)).toMatchObject({ type: 'reply', id: 1 })
  }, 60_000)

  it('takes its budget from --max-pending-connects-per-ip', async () => {
    const server = await serve(['--max-pending-connects-per-ip', '2'])
    const silent = await Promise.all(
      Array.from({ length: 2 }, () => openSilent(server.port, '127.0.0.2')),
    )
    await pastGrace()
    const third = await openSilent(server.port, '127.0.0.2')
    expect(await third.closed).toMatchObject({ code: 1013 })
    expect(silent[0]?.socket.readyState).toBe(WebSocket.OPEN)
  }, 30_000)
})
