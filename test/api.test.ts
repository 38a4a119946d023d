/**
 * The HTTP API for backends (docs/api.md) over real HTTP to a real server on loopback: every
 * method, every error status, the bearer check, the body limit, and a backend's 1,000 publishes
 * over one keep-alive connection reaching a WebSocket subscriber in order.
 */
import { Agent, request } from 'node:http'
import { connect as connectTcp } from 'node:net'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { CloseCode, type App } from '../src/server/index.js'
import { post, type HttpAnswer } from './support/api-http.js'
import { useServer } from './support/harness.js'

const KEY = 'test-api-key-0123456789abcdef'

/** The `error` of a failed answer. */
const errorOf = (answer: HttpAnswer): { code: string; message: string } =>
  answer.json.error as { code: string; message: string }

/** An app with an rpc method that tells who called it. */
const whoApp: App = {
  name: 'who',
  setup(hub) {
    hub.rpc('who.am.i', (params, caller) => ({ params, caller }))
    hub.rpc('who.busy', () => {
      throw new Error('boom')
    })
  },
}

// Silent: the 500 test's error would be noise; the logging test brings its own logger.
const { start, connect } = useServer({
  apiKey: KEY,
  apps: [whoApp],
  logger: pino({ level: 'silent' }),
})

describe('HTTP API: methods', () => {
  it('publish reaches a WebSocket subscriber and answers seq and epoch', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const sub = (await alice.request({ type: 'subscribe', channel: 'news' })) as { epoch: string }
    const answer = await post(
      port,
      '/api/publish',
      { channel: 'news', data: { text: 'hi' } },
      { key: KEY },
    )
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ result: { seq: 1, epoch: sub.epoch } })
    const frame = await alice.next('pub')
    expect(frame.pub).toMatchObject({ seq: 1, data: { text: 'hi' } })
    expect(frame.pub.from).toBeUndefined()
  })

  it('publish with a key is idempotent: a retry answers the first seq and delivers nothing', async () => {
    const { port } = await start()
    const body = { channel: 'orders', data: { n: 1 }, key: 'order-1' }
    const first = await post(port, '/api/publish', body, { key: KEY })
    const retry = await post(port, '/api/publish', body, { key: KEY })
    expect(retry.json).toEqual(first.json)
    const history = await post(port, '/api/history', { channel: 'orders' }, { key: KEY })
    expect((history.json.result as { pubs: unknown[] }).pubs).toHaveLength(1)
  })

  it('broadcast publishes to each channel and reports each outcome', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'b:2' })
    await post(port, '/api/publish', { channel: 'b:2', data: 0 }, { key: KEY })
    await alice.next('pub')
    const answer = await post(
      port,
      '/api/broadcast',
      { channels: ['b:1', 'b:2'], data: 'x' },
      { key: KEY },
    )
    expect(answer.status).toBe(200)
    const { results } = answer.json.result as { results: { seq: number; epoch: string }[] }
    expect(results.map((r) => r.seq)).toEqual([1, 2])
    expect(results.every((r) => typeof r.epoch === 'string')).toBe(true)
    expect((await alice.next('pub')).pub).toMatchObject({ seq: 2, data: 'x' })
  })

  it('presence lists the members of a channel', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'room' })
    const answer = await post(port, '/api/presence', { channel: 'room' }, { key: KEY })
    expect(answer.json).toEqual({
      result: {
        members: [{ client: alice.member?.client, user: alice.member?.user, name: 'Alice' }],
      },
    })
  })

  it('history answers pages with since, limit and reverse', async () => {
    const { port } = await start()
    for (const n of [1, 2, 3])
      await post(port, '/api/publish', { channel: 'log', data: n }, { key: KEY })
    const all = (await post(port, '/api/history', { channel: 'log' }, { key: KEY })).json
      .result as {
      epoch: string
      seq: number
      pubs: { data: number }[]
    }
    expect(all.seq).toBe(3)
    expect(all.pubs.map((p) => p.data)).toEqual([1, 2, 3])
    const after = (
      await post(
        port,
        '/api/history',
        { channel: 'log', since: { epoch: all.epoch, seq: 1 }, limit: 1 },
        { key: KEY },
      )
    ).json.result as { pubs: { data: number }[] }
    expect(after.pubs.map((p) => p.data)).toEqual([2])
    const newest = (
      await post(port, '/api/history', { channel: 'log', limit: 2, reverse: true }, { key: KEY })
    ).json.result as { pubs: { data: number }[] }
    expect(newest.pubs.map((p) => p.data)).toEqual([3, 2])
    const gone = await post(
      port,
      '/api/history',
      { channel: 'log', since: { epoch: 'another', seq: 1 } },
      { key: KEY },
    )
    expect(gone.status).toBe(409)
    expect(gone.json).toMatchObject({ error: { code: 'unrecoverable' } })
  })

  it('disconnect closes every connection of a user with 4509 and the reason, and only theirs', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    const answer = await post(
      port,
      '/api/disconnect',
      { user: alice.member?.user, reason: 'account closed' },
      { key: KEY },
    )
    expect(answer.json).toEqual({ result: { disconnected: 1 } })
    expect(await alice.closed).toEqual({ code: CloseCode.Disconnected, reason: 'account closed' })
    expect(await bob.request({ type: 'presence', channel: 'x' })).toEqual({ members: [] })
  })

  it('disconnect by client closes that connection; nobody matching answers 0', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const answer = await post(
      port,
      '/api/disconnect',
      { client: alice.member?.client },
      { key: KEY },
    )
    expect(answer.json).toEqual({ result: { disconnected: 1 } })
    expect((await alice.closed).code).toBe(CloseCode.Disconnected)
    const none = await post(port, '/api/disconnect', { user: 'nobody' }, { key: KEY })
    expect(none.json).toEqual({ result: { disconnected: 0 } })
    const both = await post(port, '/api/disconnect', { user: 'a', client: 'b' }, { key: KEY })
    expect(both.status).toBe(400)
    expect(errorOf(both).message).toContain('exactly one')
  })

  it('channels lists the active channels of this node with their subscriber counts', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    await alice.request({ type: 'subscribe', channel: 'one' })
    await bob.request({ type: 'subscribe', channel: 'one' })
    await bob.request({ type: 'subscribe', channel: 'two' })
    const answer = await post(port, '/api/channels', {}, { key: KEY })
    const { channels } = answer.json.result as { channels: { channel: string }[] }
    expect([...channels].sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { channel: 'one', subscribers: 2 },
      { channel: 'two', subscribers: 1 },
    ])
  })

  it('info answers the version and this node with its counts (an empty body is {})', async () => {
    const server = await start({ nodeId: 'node-a' })
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'one' })
    const answer = await post(server.port, '/api/info', undefined, { key: KEY })
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    expect(answer.json).toEqual({
      result: {
        version,
        nodes: [{ node: 'node-a', connections: 1, subscriptions: 1, channels: 1 }],
      },
    })
  })

  it("disconnects lists this node's recent disconnects newest first, with code, reason and user", async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    await post(port, '/api/disconnect', { user: alice.member?.user, reason: 'first' }, { key: KEY })
    await alice.closed
    await post(port, '/api/disconnect', { user: bob.member?.user, reason: 'second' }, { key: KEY })
    await bob.closed
    const answer = await post(port, '/api/disconnects', {}, { key: KEY })
    const { disconnects } = answer.json.result as { disconnects: Record<string, unknown>[] }
    expect(disconnects).toMatchObject([
      {
        user: bob.member?.user,
        name: 'Bob',
        code: CloseCode.Disconnected,
        reason: 'second',
        by: 'server',
      },
      {
        user: alice.member?.user,
        name: 'Alice',
        code: CloseCode.Disconnected,
        reason: 'first',
        by: 'server',
      },
    ])
    expect(typeof disconnects[0]?.time).toBe('number')
    const newest = await post(port, '/api/disconnects', { limit: 1 }, { key: KEY })
    expect(newest.json).toMatchObject({ result: { disconnects: [{ reason: 'second' }] } })
    const bad = await post(port, '/api/disconnects', { limit: -1 }, { key: KEY })
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toContain('"limit"')
  })

  it('rpc calls a registered method as the server', async () => {
    const { port } = await start()
    const answer = await post(
      port,
      '/api/rpc',
      { method: 'who.am.i', params: { a: 1 } },
      { key: KEY },
    )
    expect(answer.json).toEqual({
      result: {
        result: {
          params: { a: 1 },
          caller: {
            member: { client: 'server', user: 'server', name: 'Server' },
            isServer: true,
            isAuthenticated: true,
          },
        },
      },
    })
    const missing = await post(port, '/api/rpc', { method: 'no.such' }, { key: KEY })
    expect(missing.status).toBe(404)
    expect(missing.json).toMatchObject({ error: { code: 'not_found' } })
    const broken = await post(port, '/api/rpc', { method: 'who.busy' }, { key: KEY })
    expect(broken.status).toBe(500)
    expect(broken.json).toEqual({
      error: { code: 'internal', message: 'internal error (logged on the server)' },
    })
  })

  it('a backend publishes 1,000 messages over one keep-alive connection: all accepted, all delivered in order', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'feed' })
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const seqs: number[] = []
      let reused = 0
      for (let n = 1; n <= 1_000; n++) {
        const answer = await post(
          port,
          '/api/publish',
          { channel: 'feed', data: n },
          { key: KEY, agent },
        )
        expect(answer.status).toBe(200)
        seqs.push((answer.json.result as { seq: number }).seq)
        if (answer.isReusedSocket) reused++
      }
      expect(seqs).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1))
      expect(reused).toBe(999)
      for (let n = 1; n <= 1_000; n++) {
        const frame = await alice.next('pub')
        expect(frame.pub).toMatchObject({ seq: n, data: n })
      }
    } finally {
      agent.destroy()
    }
  })
})

describe('HTTP API: errors', () => {
  it('answers 401 with WWW-Authenticate for a missing, wrong, wrong-length or non-bearer key', async () => {
    const { port } = await start()
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${KEY.slice(0, -1)}x` },
      { authorization: `Bearer ${KEY}${KEY}` },
      { authorization: 'Bearer short' },
      { authorization: `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}` },
      { authorization: KEY },
    ]
    for (const headers of attempts) {
      const answer = await post(port, '/api/info', {}, { headers })
      expect(answer.status).toBe(401)
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/)
      expect(answer.json).toMatchObject({ error: { code: 'unauthorized' } })
    }
    expect((await post(port, '/api/info', {}, { key: KEY })).status).toBe(200)
    expect(
      (await post(port, '/api/info', {}, { headers: { authorization: `bearer  ${KEY}` } })).status,
    ).toBe(200)
  })

  it('refuses a key in the query string, even the right one', async () => {
    const { port } = await start()
    const answer = await post(port, `/api/info?key=${KEY}`, {}, { key: KEY })
    expect(answer.status).toBe(400)
    expect(errorOf(answer).code).toBe('bad_request')
    expect(errorOf(answer).message).toContain('Authorization header')
  })

  it('answers 404 for an unknown method, after the key check', async () => {
    const { port } = await start()
    const unknown = await post(port, '/api/nope', {}, { key: KEY })
    expect(unknown.status).toBe(404)
    expect(unknown.json).toEqual({ error: { code: 'not_found', message: 'no API method "nope"' } })
    expect((await post(port, '/api/nope', {})).status).toBe(401)
    expect((await post(port, '/api/constructor', {}, { key: KEY })).status).toBe(404)
    expect((await post(port, '/api', {}, { key: KEY })).status).toBe(404)
  })

  it('answers 405 with Allow to anything but POST', async () => {
    const { port } = await start()
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await post(port, '/api/info', undefined, { key: KEY, method })
      expect(answer.status).toBe(405)
      expect(answer.headers.allow).toBe('POST')
      expect(answer.json).toMatchObject({ error: { code: 'method_not_allowed' } })
    }
  })

  it('answers 415 to a body that is not declared JSON', async () => {
    const { port } = await start()
    const answer = await post(
      port,
      '/api/info',
      {},
      {
        key: KEY,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    )
    expect(answer.status).toBe(415)
    expect(answer.json).toMatchObject({ error: { code: 'unsupported_media_type' } })
  })

  it('answers 400 naming the field for bad JSON and wrong, missing or unknown fields', async () => {
    const { port } = await start()
    const cases: [string, unknown, string][] = [
      ['publish', { data: 1 }, '"channel" must be a non-empty string'],
      ['publish', { channel: 'a' }, '"data" is required'],
      ['publish', { channel: 'a\u0007', data: 1 }, '"channel" must not contain control characters'],
      ['publish', { channel: 'x'.repeat(256), data: 1 }, '"channel" is longer than 255 characters'],
      ['publish', { channel: 'a', data: 1, key: 5 }, '"key" must be a string'],
      ['publish', { chanel: 'a', channel: 'a', data: 1 }, 'unknown field "chanel"'],
      ['broadcast', { channels: [], data: 1 }, '"channels" must be a non-empty array'],
      ['broadcast', { channels: ['ok', ''], data: 1 }, '"channels[1]" must be a non-empty string'],
      ['history', { channel: 'a', limit: -1 }, '"limit" must be a non-negative integer'],
      ['history', { channel: 'a', since: { seq: 1 } }, '"since" must be { epoch'],
      ['history', { channel: 'a', reverse: 'yes' }, '"reverse" must be a boolean'],
      ['disconnect', {}, 'exactly one of "user" and "client"'],
      ['rpc', { params: {} }, '"method" must be a non-empty string'],
      ['info', { verbose: true }, 'unknown field "verbose"'],
      ['info', [1, 2], 'the body must be a JSON object'],
    ]
    for (const [method, body, message] of cases) {
      const answer = await post(port, `/api/${method}`, body, { key: KEY })
      expect(answer.status, `${method} ${JSON.stringify(body)}`).toBe(400)
      expect(errorOf(answer).code).toBe('bad_request')
      expect(errorOf(answer).message).toContain(message)
    }
    const notJson = await post(port, '/api/publish', undefined, {
      key: KEY,
      raw: '{"channel": "a",',
    })
    expect(notJson.status).toBe(400)
    expect(notJson.json).toEqual({
      error: { code: 'bad_request', message: 'the body is not valid JSON' },
    })
  })

  it('answers 400 to data nested past maxDataDepth, and survives a body of 100,000 nested arrays', async () => {
    const { port } = await start({ maxDataDepth: 4 })
    const deep = await post(port, '/api/publish', { channel: 'a', data: [[[[[1]]]]] }, { key: KEY })
    expect(deep.status).toBe(400)
    expect(deep.json).toMatchObject({ error: { message: '"data" is nested deeper than 4 levels' } })
    const bomb = `{"channel":"a","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const answer = await post(port, '/api/publish', undefined, { key: KEY, raw: bomb })
    expect(answer.status).toBe(400)
    expect((await post(port, '/api/info', {}, { key: KEY })).status).toBe(200)
  })

  it('answers 413 too_large to data past maxPublishBytes', async () => {
    const { port } = await start({ maxPublishBytes: 100 })
    const answer = await post(
      port,
      '/api/publish',
      { channel: 'a', data: 'x'.repeat(200) },
      { key: KEY },
    )
    expect(answer.status).toBe(413)
    expect(answer.json).toMatchObject({ error: { code: 'too_large' } })
    const broadcast = await post(
      port,
      '/api/broadcast',
      { channels: ['a'], data: 'x'.repeat(200) },
      { key: KEY },
    )
    expect(broadcast.status).toBe(413)
  })

  it('answers 413 to a body past maxApiBodyBytes, by Content-Length or by the bytes received', async () => {
    const { port } = await start({ maxApiBodyBytes: 1_024 })
    const fits = await post(
      port,
      '/api/publish',
      { channel: 'a', data: 'x'.repeat(900) },
      { key: KEY },
    )
    expect(fits.status).toBe(200)
    const over = await post(
      port,
      '/api/publish',
      { channel: 'a', data: 'x'.repeat(1_100) },
      { key: KEY },
    )
    expect(over.status).toBe(413)
    expect(over.headers.connection).toBe('close')
    expect(over.json).toEqual({
      error: { code: 'too_large', message: 'the body is larger than 1024 bytes' },
    })

    // A declared 1 GB body: refused from its headers, without waiting for the bytes.
    const huge = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/publish',
          method: 'POST',
          headers: {
            authorization: `Bearer ${KEY}`,
            'content-type': 'application/json',
            'content-length': 1_000_000_000,
          },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.write('{"channel":"a","data":"')
    })
    expect(huge).toBe(413)

    // Chunked, no length: refused once the bytes received pass the limit.
    const socket = connectTcp(port, '127.0.0.1')
    await once(socket, 'connect')
    const chunk = 'x'.repeat(2_048)
    socket.write(
      `POST /api/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${KEY}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    )
    let text = ''
    socket.setEncoding('utf8').on('data', (data: string) => (text += data))
    await once(socket, 'close')
    expect(text).toMatch(/^HTTP\/1\.1 413 /)
    expect(text).toContain('"too_large"')
    expect((await post(port, '/api/info', {}, { key: KEY })).status).toBe(200)
  })

  it('answers 404 on every /api path when no key is configured', async () => {
    const { port } = await start({ apiKey: undefined })
    for (const path of ['/api/publish', '/api/info', '/api/nope', '/api']) {
      const answer = await post(port, path, { channel: 'a', data: 1 }, { key: KEY })
      expect(answer.status).toBe(404)
      expect(answer.json).toMatchObject({ error: { code: 'not_found' } })
    }
    expect((await post(port, '/api/info', undefined, { method: 'GET' })).status).toBe(404)
  })

  it('refuses an API key shorter than 16 characters at start', async () => {
    await expect(start({ apiKey: 'short' })).rejects.toThrow(
      'apiKey must be at least 16 characters',
    )
  })

  it('never logs the key, whatever is sent', async () => {
    let logged = ''
    const logger = pino({ level: 'trace' }, { write: (line: string) => (logged += line) })
    const { port } = await start({ logger })
    await post(port, '/api/info', {}, { key: KEY })
    await post(port, '/api/info', {}, { key: `${KEY}-wrong` })
    await post(port, `/api/info?key=${KEY}`, {}, { key: KEY })
    await post(port, '/api/rpc', { method: 'who.busy' }, { key: KEY })
    await post(port, '/api/publish', undefined, { key: KEY, raw: 'not json' })
    expect(logged).toContain('API request failed')
    expect(logged).not.toContain(KEY)
  })
})
