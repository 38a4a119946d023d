/**
 * The write path over real loopback sockets: frames written by hubbub's own framing (not `ws`'s
 * sender) read correctly by a strict WebSocket client at every length, in order with `ws`'s own
 * control frames, and packed several to a message for clients that ask for batching.
 */
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createTextApp } from '../src/apps/index.js'
import { SUBPROTOCOL, type ConnectResult } from '../src/protocol/index.js'
import {
  createServer,
  type App,
  type HubbubServer,
  type ServerOptions,
} from '../src/server/index.js'
import { verifiedWsVersion } from '../src/server/ws-transport.js'
import { createHarness } from './support/sdk.js'
import { opened } from './support/frames.js'
import { closePayload, encodeClientFrame, Opcode, RawSocket } from './support/raw-socket.js'

interface Received {
  /** Every WebSocket message, as its text. */
  messages: string[]
  /** Every frame, in order: each message split on newlines. */
  frames: Record<string, unknown>[]
}

const servers: HubbubServer[] = []
const sockets: WebSocket[] = []
const rawSockets: RawSocket[] = []
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  for (const raw of rawSockets.splice(0)) raw.socket.destroy()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const start = async (options: ServerOptions = {}): Promise<HubbubServer> => {
  const server = await createServer({ port: 0, ...options })
  servers.push(server)
  return server
}

/** A `ws` client (strict: a malformed frame fails it) that records messages and frames. */
const open = async (
  url: string,
  protocols: string[] = [SUBPROTOCOL],
): Promise<{ ws: WebSocket; received: Received; waitFor(n: number): Promise<void> }> => {
  const ws = new WebSocket(url, protocols)
  sockets.push(ws)
  const received: Received = { messages: [], frames: [] }
  let waiter: (() => void) | undefined
  ws.on('message', (data: Buffer, isBinary) => {
    expect(isBinary).toBe(false)
    const text = data.toString('utf8')
    received.messages.push(text)
    for (const line of text.split('\n'))
      received.frames.push(
        protocols.length === 0 ? { text: line } : (JSON.parse(line) as Record<string, unknown>),
      )
    waiter?.()
  })
  await opened(ws)
  const waitFor = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (received.frames.length >= n) resolve()
      }
      waiter = check
      ws.once('close', (code) => {
        reject(new Error(`closed ${code} with ${received.frames.length} of ${n} frames`))
      })
      check()
    })
  return { ws, received, waitFor }
}

/** Connects (with `batch` when asked) and subscribes to `channel`; returns the connect result. */
const join = async (
  server: HubbubServer,
  channel: string,
  batch?: boolean,
): Promise<{ result: ConnectResult } & Awaited<ReturnType<typeof open>>> => {
  const client = await open(`ws://127.0.0.1:${server.port}/`)
  client.ws.send(JSON.stringify({ type: 'connect', id: 1, name: 'Reader', batch }))
  client.ws.send(JSON.stringify({ type: 'subscribe', id: 2, channel }))
  await client.waitFor(2)
  const [connectReply, subscribeReply] = client.received.frames
  expect(subscribeReply).toMatchObject({ type: 'reply', id: 2 })
  client.received.frames.length = 0
  client.received.messages.length = 0
  return { ...client, result: (connectReply as { result: ConnectResult }).result }
}

/** Publishes `count` publications in one event-loop turn, as a broker's batch would arrive. */
const publishBurst = async (
  server: HubbubServer,
  channel: string,
  count: number,
  pad = '',
): Promise<void> => {
  await Promise.all(
    Array.from({ length: count }, (_, i) => server.hub.publish(channel, { i: i + 1, pad })),
  )
}

const seqs = (frames: Record<string, unknown>[]): number[] =>
  frames.map((frame) => (frame.pub as { seq: number }).seq)

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

describe('batching (connect with batch: true)', () => {
  it('packs a burst into few messages; every frame arrives once, in order', async () => {
    const server = await start()
    const reader = await join(server, 'b', true)
    expect(reader.result.batch).toBe(true)
    await publishBurst(server, 'b', 200)
    await reader.waitFor(200)
    expect(seqs(reader.received.frames)).toEqual(range(200))
    // One event-loop turn of publications is one message (a few if the burst spans turns).
    expect(reader.received.messages.length).toBeLessThanOrEqual(5)
  })

  it('sends one frame per message to a client that did not ask', async () => {
    const server = await start()
    const reader = await join(server, 'b')
    expect(reader.result.batch).toBeUndefined()
    await publishBurst(server, 'b', 200)
    await reader.waitFor(200)
    expect(seqs(reader.received.frames)).toEqual(range(200))
    expect(reader.received.messages).toHaveLength(200)
  })

  it('keeps packed messages within maxBatchBytes; a larger frame still comes whole', async () => {
    const maxBatchBytes = 2_000
    const server = await start({ maxBatchBytes })
    const reader = await join(server, 'b', true)
    const pad = 'x'.repeat(400)
    await Promise.all([
      publishBurst(server, 'b', 30, pad),
      server.hub.publish('b', { i: 31, pad: 'y'.repeat(5_000) }),
    ])
    await reader.waitFor(31)
    expect(seqs(reader.received.frames)).toEqual(range(31))
    for (const message of reader.received.messages)
      if (message.includes('\n')) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(2_000)
    expect(reader.received.messages.some((m) => Buffer.byteLength(m) > 5_000)).toBe(true)
    expect(reader.received.messages.length).toBeLessThan(31)
  })

  it('is off when maxBatchBytes is 0: the reply says so and frames come one per message', async () => {
    const server = await start({ maxBatchBytes: 0 })
    const reader = await join(server, 'b', true)
    expect(reader.result.batch).toBeUndefined()
    await publishBurst(server, 'b', 50)
    await reader.waitFor(50)
    expect(reader.received.messages).toHaveLength(50)
  })

  it('the SDK asks for it and reads packed messages: a burst arrives whole and in order', async () => {
    const server = await start()
    const harness = createHarness()
    try {
      const client = harness.client(server.port)
      const session = await client.ready()
      expect(session.batch).toBe(true)
      const sub = client.channel('b')
      const got: number[] = []
      const all = new Promise<void>((resolve) => {
        sub.on('message', (pub) => {
          got.push(pub.seq)
          if (got.length === 300) resolve()
        })
      })
      await new Promise((resolve) => sub.on('subscribed', resolve))
      await publishBurst(server, 'b', 300)
      await all
      expect(got).toEqual(range(300))
    } finally {
      await harness.cleanUp()
    }
  })
})

describe('framing', () => {
  it('writes 7-bit, 16-bit and 64-bit payload lengths that a strict client reads', async () => {
    const server = await start()
    const reader = await join(server, 'b')
    // Frame sizes around each boundary of RFC 6455 §5.2: 125/126 bytes, 65,535/65,536 bytes.
    const sizes = [0, 30, 31, 100, 1_000, 65_400, 65_500, 70_000, 200_000]
    for (const size of sizes) await server.hub.publish('b', { pad: 'z'.repeat(size) })
    await reader.waitFor(sizes.length)
    const pads = reader.received.frames.map(
      (frame) => (frame.pub as { data: { pad: string } }).data.pad.length,
    )
    expect(pads).toEqual(sizes)
    const lengths = reader.received.messages.map((m) => Buffer.byteLength(m))
    expect(lengths.some((n) => n < 126)).toBe(true)
    expect(lengths.some((n) => n >= 126 && n < 65_536)).toBe(true)
    expect(lengths.some((n) => n >= 65_536)).toBe(true)
  })

  it('interleaves ws pings with a stream of text frames without corrupting either', async () => {
    const server = await start({
      apps: [createTextApp()],
      pingIntervalMs: 2,
      requestsPerSecond: 1_000_000,
      requestBurst: 1_000_000,
    })
    const plain = await open(`ws://127.0.0.1:${server.port}/echo`, [])
    let pings = 0
    plain.ws.on('ping', () => {
      pings += 1
    })
    const count = 2_000
    for (let i = 1; i <= count; i++) {
      plain.ws.send(`line ${i}`)
      if (i % 50 === 0)
        await new Promise<void>((resolve) => {
          setTimeout(resolve, 3) // let the 2 ms heartbeat ping in between
        })
    }
    await plain.waitFor(count)
    expect(plain.received.frames.map((frame) => frame.text)).toEqual(
      range(count).map((i) => `Echo: line ${i}`),
    )
    expect(pings).toBeGreaterThan(0)
  })

  it('sends what was queued before a close frame', async () => {
    const server = await start({ authenticate: () => Promise.reject(new Error('no such token')) })
    const client = await open(`ws://127.0.0.1:${server.port}/`)
    const closedWith = new Promise<number>((resolve) => {
      client.ws.once('close', resolve)
    })
    client.ws.send(JSON.stringify({ type: 'connect', id: 1, token: 'nope' }))
    expect(await closedWith).toBe(4501)
    expect(client.received.frames).toEqual([
      { type: 'reply', id: 1, error: { code: 'unauthorized', message: 'no such token' } },
    ])
  })

  it("answers a message that arrived in one read with the peer's close frame, then closes", async () => {
    const server = await start({ apps: [createTextApp()] })
    const raw = await RawSocket.open(server.port, { path: '/echo', protocol: undefined })
    rawSockets.push(raw)
    raw.socket.write(
      Buffer.concat([
        encodeClientFrame(Opcode.Text, Buffer.from('last words')),
        encodeClientFrame(Opcode.Close, closePayload(1000, 'bye')),
      ]),
    )
    await raw.ended
    expect(raw.events).toEqual([
      { kind: 'text', text: 'Echo: last words' },
      { kind: 'close', code: 1000, reason: 'bye' },
    ])
  })

  it('closes 4001 a plain client that has more than maxBufferedBytes waiting after a turn', async () => {
    const flood: App = {
      name: 'flood',
      setup(hub) {
        hub.text('/flood', (connection) => {
          // 200 lines of 60 KB in one turn: far past the cap and what the kernel takes at once.
          connection.on('message', () => {
            for (let i = 0; i < 200; i++) connection.send('y'.repeat(60_000))
          })
        })
      },
    }
    const server = await start({ apps: [flood], maxBufferedBytes: 256 * 1024 })
    const raw = await RawSocket.open(server.port, { path: '/flood', protocol: undefined })
    rawSockets.push(raw)
    raw.sendText('go')
    expect(await raw.closed()).toEqual({ code: 4001, reason: 'slow consumer' })
    // What was queued before the close frame still arrived, whole.
    const texts = raw.events.filter((event) => event.kind === 'text')
    expect(texts.length).toBe(200)
  })

  it('runs on the ws release its framing was checked against', () => {
    // Text frames bypass ws's sender (src/server/ws-transport.ts): a new ws must be re-checked.
    const require = createRequire(import.meta.url)
    const { version } = require('ws/package.json') as { version: string }
    expect(version).toBe(verifiedWsVersion)
  })
})
