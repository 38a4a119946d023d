/**
 * Heartbeat and the connect deadline over real loopback sockets (DESIGN.md §3, §6): protocol
 * `ping` frames answered by `pong`, close 4002 without one, WebSocket-level pings for plain text
 * clients, and close 4504 for a client that never sends `connect`. Timings are small; where the
 * tests must let time pass, they await pings that come after it.
 */
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ConnectResult, Member, ServerFrame } from '../src/protocol/index.js'
import { CloseCode } from '../src/protocol/index.js'
import { within } from './support/deadline.js'
import { closed, opened } from './support/frames.js'
import { echoApp, useServer } from './support/harness.js'
import { TestClient } from './support/protocol-client.js'
import { RawProtocolClient } from './support/raw-protocol-client.js'

const PING_INTERVAL_MS = 100
const PONG_TIMEOUT_MS = 100
/** Timers may fire a little early against performance.now(); lower bounds allow for it. */
const TIMER_SLACK_MS = 10
/**
 * For delays measured from when the client saw an event rather than from when the server acted:
 * the client may see it late. Still far from 0, which is what an eager close would show.
 */
const LATENCY_SLACK_MS = 50

const { start, url, connect, track } = useServer({
  pingIntervalMs: PING_INTERVAL_MS,
  pongTimeoutMs: PONG_TIMEOUT_MS,
  apps: [echoApp],
})

/** `work`, unless the client is closed first: then it fails with the close code and reason. */
const whileOpen = <T>(client: TestClient, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    client.closed.then(({ code, reason }) => {
      throw new Error(`the client was closed ${code} ${reason}`)
    }),
  ])

/** Awaits `count` protocol pings and returns when each arrived (performance.now()). */
const awaitPings = async (client: TestClient, count: number): Promise<number[]> => {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    expect(await whileOpen(client, client.next('ping'))).toEqual({ type: 'ping' })
    times.push(performance.now())
  }
  return times
}

const gaps = (times: number[]): number[] => times.slice(1).map((time, i) => time - (times[i] ?? 0))

const names = (members: Member[]): string[] => members.map((member) => member.name).sort()

describe('protocol heartbeat', () => {
  it('pings every pingIntervalMs; a client that answers stays connected across many pings', async () => {
    await start()
    const client = await connect('Alice')
    expect((client.member as ConnectResult).pingMs).toBe(PING_INTERVAL_MS)

    const times = await awaitPings(client, 6)
    // Each ping follows the previous pong by the interval: no faster, and never a close between.
    for (const gap of gaps(times))
      expect(gap).toBeGreaterThanOrEqual(PING_INTERVAL_MS - TIMER_SLACK_MS)
    expect(await whileOpen(client, client.request({ type: 'presence', channel: 'a' }))).toEqual({
      members: [],
    })
    expect(client.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('closes 4002 a client that never answers, once pongTimeoutMs passed after a ping', async () => {
    await start()
    const client = await connect('Mute')
    client.autoPong = false

    await client.next('ping')
    const pingedAt = performance.now()
    const { code, reason } = await within(2_000, 'close', client.closed)
    expect(code).toBe(CloseCode.NoPong)
    expect(reason).toMatch(/pong/)
    expect(performance.now() - pingedAt).toBeGreaterThanOrEqual(PONG_TIMEOUT_MS - LATENCY_SLACK_MS)
    // One ping, then the close: it was not pinged again meanwhile.
    expect(client.inbox.pending.filter((frame) => frame.type === 'ping')).toEqual([])
  })

  it('closes 4002 a client that answered before and then stops', async () => {
    await start()
    const client = await connect('Fading')
    await awaitPings(client, 2)
    client.autoPong = false

    await whileOpen(client, client.next('ping'))
    expect((await within(2_000, 'close', client.closed)).code).toBe(CloseCode.NoPong)
  })

  it('removes a client that goes silent without a close frame: presence and a leave event', async () => {
    const hubbub = await start({ channels: { 'room:*': { joinLeave: true } } })
    const observer = await connect('Observer')
    await observer.request({ type: 'subscribe', channel: 'room:1' })
    const silent = track(await RawProtocolClient.connect(hubbub.port, 'Silent'))
    await silent.request({ type: 'subscribe', channel: 'room:1' })
    const isAboutSilent = (frame: ServerFrame): boolean =>
      (frame.type === 'join' || frame.type === 'leave') &&
      frame.member.client === silent.member.client
    await whileOpen(observer, observer.next('join', isAboutSilent))
    expect(names(await hubbub.hub.presence('room:1'))).toEqual(['Observer', 'Silent'])

    // It neither reads nor answers from now on, and sends no close frame.
    silent.pause()
    const leave = await whileOpen(observer, observer.next('leave', isAboutSilent))
    expect(leave).toMatchObject({ channel: 'room:1', member: { name: 'Silent' } })
    expect(names(await hubbub.hub.presence('room:1'))).toEqual(['Observer'])

    // What the server had sent it: a ping it never answered, then close 4002.
    silent.resume()
    expect((await silent.raw.closed()).code).toBe(CloseCode.NoPong)
    expect(silent.frames().filter((frame) => frame.type === 'ping').length).toBeGreaterThan(0)
  })
})

describe('plain text clients', () => {
  const openText = async (options: WebSocket.ClientOptions = {}) => {
    const ws = track(new WebSocket(url('/echo'), options))
    await opened(ws)
    expect(ws.protocol).toBe('')
    return ws
  }

  it('get WebSocket-level pings, and one that answers them stays connected', async () => {
    await start()
    const ws = await openText()
    const isClosed = closed(ws).then(({ code }) => {
      throw new Error(`the client was closed ${code}`)
    })
    const texts: string[] = []
    ws.on('message', (data: Buffer) => {
      texts.push(data.toString('utf8'))
    })

    for (let i = 0; i < 4; i++) await Promise.race([once(ws, 'ping'), isClosed])
    ws.send('still here')
    await Promise.race([once(ws, 'message'), isClosed])
    // Pings are WebSocket control frames: no text reached the client besides the echo.
    expect(texts).toEqual(['Echo: still here'])
  })

  it('are closed when they do not answer the pings', async () => {
    await start()
    const ws = await openText({ autoPong: false })
    const wasClosed = closed(ws)

    await once(ws, 'ping')
    const { code } = await within(2_000, 'close', wasClosed)
    expect(code).toBe(CloseCode.NoPong)
  })
})

describe('connect deadline', () => {
  it('closes 4504 a client that never sends connect, and only that one', async () => {
    const connectTimeoutMs = 200
    await start({ connectTimeoutMs })
    const idle = track(new TestClient(url()))
    await opened(idle.ws)
    const openedAt = performance.now()
    const punctual = await connect('Punctual')

    const { code, reason } = await within(2_000, 'close', idle.closed)
    expect(code).toBe(CloseCode.NoConnect)
    expect(reason).toMatch(/connect/)
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(connectTimeoutMs - LATENCY_SLACK_MS)
    // Four pings take longer than the deadline: the client that connected in time outlives it.
    await awaitPings(punctual, 4)
    await whileOpen(punctual, punctual.request({ type: 'presence', channel: 'a' }))
  })
})
