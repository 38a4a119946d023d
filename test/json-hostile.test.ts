/**
 * Attacks on the JSON plain endpoints (issue 13): whatever a client sends, it gets a
 * `{"type":"error","message":…}` reply or nothing, the server keeps serving everyone, and the
 * plain endpoints' limits (message size, rate) and the apps' own limits hold.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { openJsonPlain, type JsonPlainClient } from './support/json-plain.js'

let server: HubbubServer
let base: string
const plains: JsonPlainClient[] = []

beforeAll(async () => {
  server = await createServer({ port: 0, apps: bundledApps() })
  base = server.url.replace(/^http/, 'ws')
})
afterEach(() => {
  for (const plain of plains.splice(0)) plain.ws.terminate()
})
afterAll(async () => {
  await server.close()
})

const plain = async (path: string): Promise<JsonPlainClient> => {
  const client = await openJsonPlain(`${base}${path}`)
  plains.push(client)
  return client
}

/** Sends `raw` as is and resolves with the error the endpoint answers. */
const errorFor = async (client: JsonPlainClient, raw: string | Buffer): Promise<string> => {
  client.ws.send(raw)
  const reply = await client.next('error')
  expect(Object.keys(reply).sort()).toEqual(['message', 'type'])
  return reply.message as string
}

const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`

/** Garbage every endpoint refuses the same way, with what its error says. */
const GARBAGE: [string, string | Buffer, RegExp][] = [
  ['not JSON', 'hello', /must be JSON/],
  ['half a JSON object', '{"type":"increment"', /must be JSON/],
  ['invalid UTF-8 bytes', Buffer.from([0xff, 0xfe, 0x7b]), /must be JSON/],
  ['a JSON array', '[{"type":"increment"}]', /JSON objects/],
  ['a JSON string', '"increment"', /JSON objects/],
  ['null', 'null', /JSON objects/],
  ['a number', '1e999', /JSON objects/],
  ['no type', '{"kind":"increment"}', /string "type"/],
  ['a numeric type', '{"type":1}', /string "type"/],
  ['an object type', '{"type":{"toString":"increment"}}', /string "type"/],
  ['a __proto__ carrying the type', '{"__proto__":{"type":"increment"}}', /string "type"/],
  ['deep nesting', `{"type":"x","x":${deep(5_000)}}`, /./],
]

describe.each(['/counter', '/notifications', '/dashboard', '/draw'])('%s', (path) => {
  it('answers garbage with an error and goes on serving', async () => {
    const client = await plain(path)
    for (const [, raw, says] of GARBAGE) expect(await errorFor(client, raw)).toMatch(says)
    // Unknown types, including ones an object has by inheritance.
    for (const type of ['constructor', 'toString', '__proto__', 'x'.repeat(10_000)])
      expect(await errorFor(client, JSON.stringify({ type }))).toMatch(
        /unknown type|takes no messages/,
      )
    const huge = JSON.stringify({ type: 'increment', pad: 'x'.repeat(40_000) })
    expect(await errorFor(client, huge)).toBe(
      'Your message was not sent: messages are limited to 32768 bytes.',
    )
    // Still connected and served.
    expect(await errorFor(client, 'again')).toMatch(/must be JSON/)
  })
})

describe('/counter', () => {
  it('refuses wrong types of change, and a flood is rate-limited and then closed', async () => {
    const watcher = await plain('/counter')
    const start = (await watcher.next('counter')).value as number
    const flooder = await plain('/counter')
    await flooder.next('counter')
    expect(await errorFor(flooder, '{"type":"INCREMENT"}')).toMatch(/unknown type "INCREMENT"/)
    expect(await errorFor(flooder, '{"type":"add","delta":1000000}')).toMatch(/unknown type/)

    // Within the plain endpoints' burst (200), the counter app's own limit per client (a burst of
    // 30) answers the rest "slow down: too many counter changes".
    for (let i = 0; i < 100; i += 1) flooder.send({ type: 'increment' })
    expect((await flooder.next('error')).message).toBe('slow down: too many counter changes')
    // Past the plain endpoints' rate limit, the connection is closed 4029.
    for (let i = 0; i < 400; i += 1) flooder.send({ type: 'increment' })
    expect((await flooder.closed).code).toBe(4029)

    // Everyone else is still served, and the counter moved by what the limit let through.
    const check = await plain('/counter')
    const now = (await check.next('counter')).value as number
    expect(now - start).toBeGreaterThan(0)
    expect(now - start).toBeLessThanOrEqual(40)
    check.send({ type: 'increment' })
    await watcher.next('counter', (m) => m.value === now + 1)
  })
})

describe('/draw', () => {
  it('refuses bad coordinates and keeps the board sane', async () => {
    const drawer = await plain('/draw')
    const other = await plain('/draw')
    for (const message of [
      { type: 'draw_start' },
      { type: 'draw_start', x: '1', y: 2 },
      { type: 'draw_start', x: 1e308, y: 0 },
      { type: 'draw_move', x: -1e6, y: 0 },
      { type: 'draw_move', x: [1], y: 0 },
      { type: 'draw_move', x: true, y: 0 },
      { type: 'draw_move', x: null, y: null },
    ])
      expect(await errorFor(drawer, JSON.stringify(message))).toMatch(
        /needs numbers x and y from -10000 to 10000/,
      )
    // A move without a start, an end without a line: drawn as a line from where it is.
    drawer.send({ type: 'draw_end' })
    drawer.send({ type: 'draw_move', x: -5, y: 9_999 })
    drawer.send({ type: 'draw_end' })
    expect(await other.next('draw_move')).toEqual({
      type: 'draw_move',
      x: -5,
      y: 9_999,
      fromX: -5,
      fromY: 9_999,
    })
    // A clear flood meets the board's clear limit (3 at once), not a crash.
    for (let i = 0; i < 6; i += 1) drawer.send({ type: 'clear' })
    expect((await drawer.next('error')).message).toMatch(/slow down: too many board clears/)
  })

  it('relays a fast mouse that other endpoints would refuse, and closes a flood 4029', async () => {
    const drawer = await plain('/draw')
    const other = await plain('/draw')
    // 400 moves at once: past the burst of 200 the other plain endpoints allow (and the 50 refusals
    // after which they close), within /draw's own burst of 600.
    const moves = 400
    drawer.send({ type: 'draw_start', x: 0, y: 0 })
    for (let x = 1; x <= moves; x += 1) drawer.send({ type: 'draw_move', x, y: 0 })
    drawer.send({ type: 'draw_end' })
    for (let x = 1; x <= moves; x += 1)
      expect(await other.next('draw_move')).toEqual({
        type: 'draw_move',
        x,
        y: 0,
        fromX: x - 1,
        fromY: 0,
      })
    // Still open, and still drawing.
    drawer.send({ type: 'draw_start', x: 7, y: 7 })
    drawer.send({ type: 'draw_move', x: 8, y: 8 })
    expect(await other.next('draw_move')).toMatchObject({ x: 8, y: 8 })
    // A flood past /draw's own limit is closed as on every plain endpoint.
    for (let i = 0; i < 2_000; i += 1) drawer.send({ type: 'draw_move', x: 1, y: 1 })
    expect((await drawer.closed).code).toBe(4029)
  })
})
