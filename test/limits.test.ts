import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import WebSocket from 'ws'
import { createMemoryEngine } from '../src/engine/memory.js'
import { ErrorCode, ReplyError, SUBPROTOCOL, type App } from '../src/server/index.js'
import { closed, opened, refusedStatus } from './support/frames.js'
import { useServer } from './support/harness.js'
import { TestClient } from './support/protocol-client.js'

const { start, url, connect } = useServer({ logger: pino({ level: 'silent' }) })

const deep = (levels: number): unknown => {
  let value: unknown = 1
  for (let i = 0; i < levels; i++) value = [value]
  return value
}

describe('bad input gets a clear reply code and the connection stays usable', () => {
  const cases: [string, string, string][] = [
    ['an unknown type', '{"type":"launch","id":7}', 'unknown frame type "launch"'],
    [
      'subscribe without channel',
      '{"type":"subscribe","id":7}',
      '"channel" must be a non-empty string',
    ],
    [
      'a channel that is a number',
      '{"type":"unsubscribe","id":7,"channel":5}',
      '"channel" must be',
    ],
    ['an empty channel', '{"type":"presence","id":7,"channel":""}', '"channel" must be'],
    [
      'a channel with control characters',
      '{"type":"presence","id":7,"channel":"a\\u0000b"}',
      'control characters',
    ],
    [
      'a channel that is too long',
      `{"type":"presence","id":7,"channel":"${'c'.repeat(300)}"}`,
      'longer than 255',
    ],
    ['publish without data', '{"type":"publish","id":7,"channel":"a"}', '"publish" needs "data"'],
    [
      'a key that is not a string',
      '{"type":"publish","id":7,"channel":"a","data":1,"key":9}',
      '"key" must be a string',
    ],
    [
      'a malformed since',
      '{"type":"subscribe","id":7,"channel":"a","since":{"seq":"x"}}',
      '"since" must be',
    ],
    [
      'a negative history limit',
      '{"type":"history","id":7,"channel":"a","limit":-1}',
      '"limit" must be',
    ],
    [
      'presence flag of the wrong type',
      '{"type":"subscribe","id":7,"channel":"a","presence":"yes"}',
      '"presence" must be a boolean',
    ],
    ['rpc without method', '{"type":"rpc","id":7}', '"method" must be'],
    [
      'deeply nested data',
      JSON.stringify({ type: 'publish', id: 7, channel: 'a', data: deep(100) }),
      'nested deeper than 32',
    ],
    ['a request without type', '{"id":7}', 'needs a string "type"'],
  ]
  it.each(cases)('%s', async (_name, frame, message) => {
    await start()
    const client = await connect()
    client.send(frame)
    const reply = await client.next('reply', (f) => f.id === 7)
    expect(reply).toMatchObject({ error: { code: 'bad_request' } })
    expect((reply as { error: { message: string } }).error.message).toContain(message)
    expect(await client.request({ type: 'publish', channel: 'ok', data: 1 })).toEqual({ seq: 1 })
  })

  it('answers a binary frame with bad_request', async () => {
    await start()
    const client = await connect()
    client.ws.send(Buffer.from('{"type":"publish","id":7,"channel":"a","data":1}'), {
      binary: true,
    })
    expect(await client.next('reply', (f) => f.id === 7)).toMatchObject({
      error: { code: 'bad_request', message: 'send frames as text, not binary' },
    })
  })

  it('tolerates a few frames without an id, and closes 4500 past maxInvalidFrames', async () => {
    await start({ maxInvalidFrames: 10 })
    const client = await connect()
    const garbage = [
      'not json',
      '[1,2]',
      '"text"',
      'null',
      '{"type":"publish"}',
      '{',
      '42',
      '{}',
      '{"type":1}',
      '',
    ]
    for (const frame of garbage) client.send(frame)
    expect(await client.request({ type: 'publish', channel: 'ok', data: 1 })).toEqual({ seq: 1 })
    client.send('one too many')
    expect((await client.closed).code).toBe(4500)
  })

  it('closes 4500 when the first frame is not connect', async () => {
    await start()
    for (const first of ['{"type":"subscribe","id":1,"channel":"a"}', 'garbage']) {
      const ws = new WebSocket(url(), SUBPROTOCOL)
      await opened(ws)
      ws.send(first)
      expect((await closed(ws)).code).toBe(4500)
    }
  })

  it('closes 1009 on a frame over maxFrameBytes', async () => {
    await start({ maxFrameBytes: 1024 })
    const client = await connect()
    client.send({ type: 'publish', id: 2, channel: 'a', data: 'x'.repeat(2000) })
    expect((await client.closed).code).toBe(1009)
  })

  it('answers too_large for a publication over maxPublishBytes', async () => {
    await start({ maxPublishBytes: 100 })
    const client = await connect()
    expect(
      await client.call({ type: 'publish', channel: 'a', data: 'x'.repeat(200) }),
    ).toMatchObject({
      error: { code: 'too_large' },
    })
    expect(await client.request({ type: 'publish', channel: 'a', data: 'small' })).toEqual({
      seq: 1,
    })
  })

  it('keeps serving a well-behaved client while another one floods garbage', async () => {
    await start({
      maxInvalidFrames: 1_000_000,
      requestsPerSecond: 1e9,
      requestBurst: 1e9,
    })
    const [control, publisher, vandal] = await Promise.all([connect(), connect(), connect()])
    await control.request({ type: 'subscribe', channel: 'calm' })
    for (let round = 1; round <= 20; round++) {
      for (let i = 0; i < 200; i++) vandal.send(i % 2 ? '{"type":"nope","id":1}' : '{{{')
      await publisher.request({ type: 'publish', channel: 'calm', data: round })
      expect((await control.next('pub')).pub).toMatchObject({ seq: round, data: round })
    }
  })
})

describe('limits', () => {
  it('refuses more than maxChannelsPerConnection subscriptions', async () => {
    await start({ maxChannelsPerConnection: 3 })
    const client = await connect()
    for (const channel of ['a', 'b', 'c']) await client.request({ type: 'subscribe', channel })
    expect(await client.call({ type: 'subscribe', channel: 'd' })).toMatchObject({
      error: { code: 'too_many_requests', message: 'at most 3 channels per connection' },
    })
    await client.request({ type: 'unsubscribe', channel: 'a' })
    await client.request({ type: 'subscribe', channel: 'd' })
  })

  it('answers too_many_requests past the rate, then closes 4029 when it persists', async () => {
    await start({ requestsPerSecond: 1, requestBurst: 5, maxRateLimitedFrames: 10 })
    const client = await connect()
    for (let id = 100; id < 110; id++) client.send({ type: 'presence', id, channel: 'a' })
    const codes = []
    for (let id = 100; id < 110; id++) {
      const reply = await client.next('reply', (f) => f.id === id)
      codes.push('error' in reply ? (reply.error as { code: string }).code : 'ok')
    }
    expect(codes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    expect(codes.slice(6)).toEqual(Array(4).fill('too_many_requests'))
    for (let id = 200; id < 220; id++) client.send({ type: 'presence', id, channel: 'a' })
    expect((await client.closed).code).toBe(4029)
  })

  it('closes connections past maxConnections with 1013', async () => {
    await start({ maxConnections: 2 })
    await connect()
    await connect()
    const third = new WebSocket(url(), SUBPROTOCOL)
    expect(await closed(third)).toMatchObject({ code: 1013, reason: 'this node is full' })
  })

  it('closes connections past maxConnectionsPerIp with 1013, and counts them down on close', async () => {
    await start({ maxConnectionsPerIp: 1 })
    const first = await connect()
    const second = new WebSocket(url(), SUBPROTOCOL)
    expect(await closed(second)).toMatchObject({ code: 1013 })
    await first.close()
    await connect()
  })

  it('refuses foreign origins with 403, allows localhost, same origin and allowedOrigins', async () => {
    await start({ allowedOrigins: ['https://app.example.com'] })
    const evil = new WebSocket(url(), SUBPROTOCOL, { origin: 'https://evil.example.com' })
    expect(await refusedStatus(evil)).toBe(403)
    for (const origin of [
      'http://localhost:3000',
      'https://app.example.com',
      `http://${new URL(url()).host}`,
    ]) {
      const ws = new WebSocket(url(), SUBPROTOCOL, { origin })
      await opened(ws)
      ws.close()
    }
  })

  it('refuses WebSocket versions other than 13 with 426', async () => {
    await start()
    const old = new WebSocket(url(), SUBPROTOCOL, { protocolVersion: 8 })
    expect(await refusedStatus(old)).toBe(426)
  })

  it('answers 404 to unknown paths, and to the protocol off its paths', async () => {
    await start()
    expect(await refusedStatus(new WebSocket(url('/nowhere')))).toBe(404)
    expect(await refusedStatus(new WebSocket(url('/nowhere'), SUBPROTOCOL))).toBe(404)
    const ws = new WebSocket(url('/ws'), SUBPROTOCOL)
    await opened(ws)
    ws.close()
  })
})

describe('failures', () => {
  it('answers unavailable when the engine fails, and recovers when it is back', async () => {
    const engine = createMemoryEngine()
    let isDown = false
    const publish = engine.broker.publish.bind(engine.broker)
    engine.broker.publish = (channel, draft, retention) =>
      isDown ? Promise.reject(new Error('connection lost')) : publish(channel, draft, retention)
    await start({ engine })
    const client = await connect()
    isDown = true
    expect(await client.call({ type: 'publish', channel: 'a', data: 1 })).toMatchObject({
      error: { code: 'unavailable' },
    })
    isDown = false
    expect(await client.request({ type: 'publish', channel: 'a', data: 1 })).toEqual({ seq: 1 })
  })

  it('closes 1011 when a text endpoint fails to start', async () => {
    await start({
      apps: [
        {
          name: 'broken',
          setup(hub) {
            hub.text('/broken', () => {
              throw new Error('bug')
            })
          },
        },
      ],
    })
    const ws = new WebSocket(url('/broken'))
    expect((await closed(ws)).code).toBe(1011)
  })

  it('refuses a text endpoint whose own rate limit is not a positive number, naming it', async () => {
    const app = (messagesPerSecond: number) => ({
      name: 'fast',
      setup(hub: Parameters<App['setup']>[0]) {
        hub.text('/fast', () => undefined, { messagesPerSecond })
      },
    })
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      await expect(start({ apps: [app(bad)] })).rejects.toThrow(
        'text endpoint "/fast": messagesPerSecond must be a positive number',
      )
  })
})

describe('authentication hook', () => {
  const authenticate = (token: string) => {
    if (token === 'banned') throw new ReplyError(ErrorCode.Forbidden, 'banned')
    if (token === 'short') return { user: 'u-short', expiresAt: Date.now() + 150 }
    if (token === 'good') return { user: 'u-1', name: 'Uma', info: { role: 'admin' } }
    throw new Error('bad signature')
  }

  it('groups a token’s connections under its user and shares its info', async () => {
    await start({ authenticate })
    const client = await connect('', { token: 'good' })
    expect(client.member).toMatchObject({ user: 'u-1', name: 'Uma', info: { role: 'admin' } })
  })

  it('closes 4501 for a bad token, 4503 for a forbidden one, 4003 when the token expires', async () => {
    await start({ authenticate })
    const expected: [string, number, string][] = [
      ['nonsense', 4501, 'unauthorized'],
      ['banned', 4503, 'forbidden'],
    ]
    for (const [token, code, error] of expected) {
      const client = new TestClient(url())
      await opened(client.ws)
      expect(await client.call({ type: 'connect', token })).toMatchObject({
        error: { code: error },
      })
      expect((await client.closed).code).toBe(code)
    }
    const short = await connect('', { token: 'short' })
    expect((await short.closed).code).toBe(4003)
  })
})

describe('fragmented messages', () => {
  it('reassembles a fragmented frame, and closes 1008 past maxFragmentsPerMessage', async () => {
    await start({ maxFragmentsPerMessage: 4 })
    const client = await connect()
    const frame = JSON.stringify({ type: 'publish', id: 50, channel: 'a', data: 'abcdefgh' })
    const send = (parts: number) => {
      const size = Math.ceil(frame.length / parts)
      for (let i = 0; i < parts; i++)
        client.ws.send(frame.slice(i * size, (i + 1) * size), { fin: i === parts - 1 })
    }
    send(4)
    expect(await client.next('reply', (f) => f.id === 50)).toMatchObject({ result: { seq: 1 } })
    send(8)
    expect((await client.closed).code).toBe(1008)
  })
})
