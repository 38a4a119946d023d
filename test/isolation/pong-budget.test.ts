/**
 * Issue 11: pongs are not free. They cost a token like any frame (a flood closes 4029), a pong
 * larger than `maxPongBytes` is an invalid frame, and WebSocket-level pings and pongs from the
 * client are charged too. A client answering the server's pings is untouched (heartbeat.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { CloseCode } from '../../src/protocol/index.js'
import { useServer } from '../support/harness.js'

const { start, connect } = useServer({ logger: pino({ level: 'silent' }) })

const tight = { requestsPerSecond: 1, requestBurst: 5, maxRateLimitedFrames: 10 }

describe('pong frames cost like any frame', () => {
  it('closes 4029 on a flood of canonical pongs', async () => {
    await start(tight)
    const client = await connect()
    for (let i = 0; i < 100; i++) client.send('{"type":"pong"}')
    expect((await client.closed).code).toBe(CloseCode.RateLimited)
  })

  it('closes 4029 on a flood of pongs written another way (parsed, charged the same)', async () => {
    await start(tight)
    const client = await connect()
    for (let i = 0; i < 100; i++) client.send('{ "type" : "pong" }')
    expect((await client.closed).code).toBe(CloseCode.RateLimited)
  })

  it('takes a pong from the same bucket as requests', async () => {
    await start({ requestsPerSecond: 1, requestBurst: 3, maxRateLimitedFrames: 100 })
    const client = await connect()
    for (let i = 0; i < 3; i++) client.send('{"type":"pong"}')
    const reply = await client.call({ type: 'publish', channel: 'a', data: 1 })
    expect(reply).toMatchObject({ error: { code: 'too_many_requests' } })
  })

  it('refuses a pong over maxPongBytes as an invalid frame, in either key order', async () => {
    await start({ maxPongBytes: 64, maxInvalidFrames: 10 })
    const client = await connect()
    const pad = 'x'.repeat(100)
    for (let i = 0; i < 5; i++) client.send(`{"type":"pong","pad":"${pad}"}`)
    for (let i = 0; i < 5; i++) client.send(`{"pad":"${pad}","type":"pong"}`)
    // Ten invalid frames are tolerated: the connection still works.
    expect(await client.request({ type: 'publish', channel: 'a', data: 1 })).toEqual({ seq: 1 })
    client.send(`{"type":"pong","pad":"${pad}"}`)
    expect((await client.closed).code).toBe(CloseCode.BadProtocol)
  })

  it('accepts a pong of exactly maxPongBytes', async () => {
    await start({ maxPongBytes: 64, maxInvalidFrames: 1 })
    const client = await connect()
    const frame = `{"type":"pong","pad":"${'x'.repeat(64 - 24)}"}`
    expect(frame.length).toBe(64)
    client.send(frame)
    client.send(frame)
    expect(await client.request({ type: 'publish', channel: 'a', data: 1 })).toEqual({ seq: 1 })
  })

  it('closes 4029 on a flood of WebSocket-level pings', async () => {
    await start(tight)
    const client = await connect()
    for (let i = 0; i < 100; i++) client.ws.ping()
    expect((await client.closed).code).toBe(CloseCode.RateLimited)
  })

  it('closes 4029 on a flood of WebSocket-level pongs', async () => {
    await start(tight)
    const client = await connect()
    for (let i = 0; i < 100; i++) client.ws.pong()
    expect((await client.closed).code).toBe(CloseCode.RateLimited)
  })
})
