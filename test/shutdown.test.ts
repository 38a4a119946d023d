/**
 * Graceful shutdown over real loopback sockets (DESIGN.md §9): `server.close()` stops accepting,
 * closes protocol clients 1001 with reconnect hints spread over `shutdownSpreadMs`, plain text
 * clients 1001, waits for them, and resolves; a second call returns the same promise.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { CloseCode, SUBPROTOCOL, parseRetryHint } from '../src/protocol/index.js'
import { within } from './support/deadline.js'
import { closed, opened, type Closed } from './support/frames.js'
import { echoApp, useServer } from './support/harness.js'
import { TestClient } from './support/protocol-client.js'
import { RawProtocolClient } from './support/raw-protocol-client.js'
import { RawSocket, connectTcp, readResponseHead, upgradeRequest } from './support/raw-socket.js'

const SHUTDOWN_SPREAD_MS = 3_000
/** Far longer than any test here waits: a close() that resolves did not wait for it. */
const SHUTDOWN_TIMEOUT_MS = 15_000

const { start, url, connect, track } = useServer({
  shutdownSpreadMs: SHUTDOWN_SPREAD_MS,
  shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
  apps: [echoApp],
})

const openText = async (): Promise<WebSocket> => {
  const ws = track(new WebSocket(url('/echo')))
  await opened(ws)
  return ws
}

/** How an attempt to open a WebSocket ended: opened, refused with an HTTP status, or an error. */
const tryOpen = (address: string, protocol?: string): Promise<string> =>
  new Promise((resolve) => {
    const ws = track(
      protocol === undefined ? new WebSocket(address) : new WebSocket(address, protocol),
    )
    ws.once('open', () => {
      resolve('open')
    })
    ws.once('unexpected-response', (_request, response) => {
      resolve(`HTTP ${response.statusCode ?? 0}`)
    })
    ws.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code ?? err.message)
    })
  })

/** Settles to whether `promise` has settled by the time the current macrotask queue is done. */
const hasSettled = async (promise: Promise<unknown>): Promise<boolean> => {
  let isSettled = false
  const settle = (): void => {
    isSettled = true
  }
  promise.then(settle, settle)
  await new Promise<void>((resolve) => {
    setImmediate(resolve)
  })
  return isSettled
}

describe('server.close()', () => {
  it('closes protocol clients 1001 with hints spread over shutdownSpreadMs, text clients 1001, and resolves', async () => {
    const hubbub = await start({ channels: { 'room:*': { joinLeave: true } } })
    const protocolClients = await Promise.all(
      Array.from({ length: 20 }, (_, i) => connect(`P${i}`)),
    )
    for (const client of protocolClients.slice(0, 10))
      await client.request({ type: 'subscribe', channel: 'room:1' })
    const idle = track(new TestClient(url()))
    await opened(idle.ws)
    const texts = await Promise.all([openText(), openText(), openText()])
    const textClosed = texts.map((ws) => closed(ws))

    const startedAt = performance.now()
    await within(5_000, 'server.close()', hubbub.close())
    expect(performance.now() - startedAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 3)

    const closes = await within(
      2_000,
      'protocol closes',
      Promise.all([...protocolClients, idle].map((client) => client.closed)),
    )
    expect(closes.map((close) => close.code)).toEqual(closes.map(() => CloseCode.GoingAway))
    const hints = closes.map((close) => parseRetryHint(close.reason))
    for (const hint of hints) {
      expect(hint).toBeTypeOf('number')
      expect(hint).toBeGreaterThanOrEqual(0)
      expect(hint).toBeLessThanOrEqual(SHUTDOWN_SPREAD_MS)
    }
    // Spread out, not one instant for everyone (21 uniform draws all fall within a quarter of
    // the window with a probability below 1e-10).
    const numbers = hints.map((hint) => hint ?? 0)
    expect(Math.max(...numbers) - Math.min(...numbers)).toBeGreaterThan(SHUTDOWN_SPREAD_MS / 4)

    const textCloses = await within(2_000, 'text closes', Promise.all(textClosed))
    expect(textCloses.map((close: Closed) => close.code)).toEqual([1001, 1001, 1001])
  })

  it('returns the same promise when called again, before and after it resolved', async () => {
    const hubbub = await start()
    await connect('Alice')
    const first = hubbub.close()
    expect(hubbub.close()).toBe(first)
    await within(5_000, 'server.close()', first)
    expect(hubbub.close()).toBe(first)
  })

  it('refuses upgrades during the shutdown and after it', async () => {
    const hubbub = await start()
    const { port } = hubbub
    // A text client that never answers the close frame holds the shutdown open until the server
    // gives up on it, which leaves time to try upgrades "during" it.
    const lingering = track(
      await RawSocket.open(port, { path: '/echo', protocol: undefined, answerClose: false }),
    )
    // An upgrade request begun before the shutdown on a connection accepted before it...
    const early = await connectTcp(port)
    const request = upgradeRequest({
      port,
      path: '/',
      key: randomBytes(16).toString('base64'),
      protocol: SUBPROTOCOL,
    })
    const cut = request.indexOf('\r\n') + 2
    early.write(request.slice(0, cut))
    // ...which the server has read once an echo sent after it came back.
    lingering.sendText('hello')
    await lingering.waitFor((event) => event.kind === 'text' && event.text === 'Echo: hello')

    const closing = hubbub.close()
    const head = readResponseHead(early)
    early.write(request.slice(cut))
    // ...and finished during it, is refused.
    expect((await head).status).toBe(503)
    // New connections are not even accepted.
    expect(await tryOpen(url(), SUBPROTOCOL)).toBe('ECONNREFUSED')
    expect(await tryOpen(url('/echo'))).toBe('ECONNREFUSED')
    // All this happened during the shutdown: the lingering client was told, and holds it open.
    expect(await lingering.closed()).toEqual({ code: 1001, reason: 'shutdown' })
    expect(await hasSettled(closing)).toBe(false)

    await within(5_000, 'server.close()', closing)
    await within(1_000, 'the lingering socket dropped', lingering.ended)
    expect(await tryOpen(url(), SUBPROTOCOL)).toBe('ECONNREFUSED')
    early.destroy()
  })

  it('resolves although a client stopped reading with its socket full', async () => {
    const hubbub = await start({ channels: { 'bulk:*': { backpressure: 'drop', historySize: 0 } } })
    const stuck = track(await RawProtocolClient.connect(hubbub.port, 'Stuck'))
    await stuck.request({ type: 'subscribe', channel: 'bulk:1' })
    stuck.pause()
    const pad = 'x'.repeat(8_192)
    // 8 MiB: more than loopback TCP buffers hold, so the close frame cannot reach it.
    for (let i = 0; i < 1_024; i++) {
      await hubbub.hub.publish('bulk:1', { i, pad })
      await new Promise<void>((resolve) => {
        setImmediate(resolve)
      })
    }

    // The server gives up on it after a short grace, long before shutdownTimeoutMs.
    const startedAt = performance.now()
    await within(6_000, 'server.close()', hubbub.close())
    expect(performance.now() - startedAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 2)
  })
})
