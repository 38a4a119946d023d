/**
 * `GET /metrics` over real HTTP to a real server, while real WebSocket clients connect, subscribe,
 * publish and get disconnected: the counts move by exactly what the clients did. Also: off with
 * `metrics: false`, behind the API key with `metricsRequireKey`.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createServer } from '../src/server/index.js'
import { post } from './support/api-http.js'
import { opened } from './support/frames.js'
import { echoApp, useServer } from './support/harness.js'
import { getText, sampleValue, scrape } from './support/metrics-text.js'

const KEY = 'test-api-key-0123456789abcdef'

const { start, connect, url, track } = useServer({
  apiKey: KEY,
  apps: [echoApp],
  logger: pino({ level: 'silent' }),
})

/** Bytes of an unmasked server frame carrying `payloadBytes` (RFC 6455 header sizes). */
const frameBytes = (payloadBytes: number): number =>
  payloadBytes + (payloadBytes < 126 ? 2 : payloadBytes < 65_536 ? 4 : 10)

describe('GET /metrics', () => {
  it('serves the Prometheus text format with the process metrics', async () => {
    const { port } = await start()
    const answer = await getText(port, '/metrics')
    expect(answer.status).toBe(200)
    expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(answer.text).toContain('# TYPE process_cpu_seconds_total counter')
    expect(answer.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge')
    expect(sampleValue(answer.text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    expect(sampleValue(answer.text, 'hubbub_publications_total')).toBe(0)
  })

  it('counts connections by protocol and subscriptions as clients come and go', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    const plain = track(new WebSocket(url('/echo')))
    await opened(plain)
    await alice.request({ type: 'subscribe', channel: 'room' })
    await bob.request({ type: 'subscribe', channel: 'room' })
    await bob.request({ type: 'subscribe', channel: 'other' })
    let read = await scrape(port)
    expect(read('hubbub_connections', { protocol: 'hubbub.v1' })).toBe(2)
    expect(read('hubbub_connections', { protocol: 'plain' })).toBe(1)
    expect(read('hubbub_subscriptions')).toBe(3)

    // Server-side, so counted before the API answers.
    const answer = await post(port, '/api/disconnect', { user: bob.member?.user }, { key: KEY })
    expect(answer.json).toEqual({ result: { disconnected: 1 } })
    read = await scrape(port)
    expect(read('hubbub_connections', { protocol: 'hubbub.v1' })).toBe(1)
    expect(read('hubbub_subscriptions')).toBe(1)
    expect(read('hubbub_disconnects_total', { code: '4509' })).toBe(1)
    expect(read('hubbub_api_requests_total', { status: '200' })).toBe(1)
  })

  it('counts publications, deliveries and the bytes each way exactly', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const subscribers = [await connect('Bob'), await connect('Carol'), await connect('Dan')]
    await alice.request({ type: 'subscribe', channel: 'room' })
    for (const client of subscribers) await client.request({ type: 'subscribe', channel: 'room' })
    const payloads: number[] = []
    for (const client of [alice, ...subscribers])
      client.ws.on('message', (data: Buffer) => payloads.push(data.length))

    const before = await scrape(port)
    const publish = JSON.stringify({
      type: 'publish',
      id: 99,
      channel: 'room',
      data: { text: 'hi' },
    })
    alice.ws.send(publish)
    await alice.inbox.take((frame) => frame.type === 'reply' && frame.id === 99)
    for (const client of subscribers) await client.next('pub')
    const after = await scrape(port)

    const moved = (name: string): number => (after(name) ?? 0) - (before(name) ?? 0)
    // The publisher has its seq from the reply: no echo, three deliveries.
    expect(moved('hubbub_publications_total')).toBe(1)
    expect(moved('hubbub_deliveries_total')).toBe(3)
    expect(moved('hubbub_bytes_received_total')).toBe(Buffer.byteLength(publish))
    // Three pub frames and one reply, WebSocket headers included.
    expect(payloads).toHaveLength(4)
    expect(moved('hubbub_bytes_sent_total')).toBe(
      payloads.reduce((sum, bytes) => sum + frameBytes(bytes), 0),
    )
    // A second scrape reports the same totals rather than adding them again.
    const again = await scrape(port)
    expect(again('hubbub_deliveries_total')).toBe(after('hubbub_deliveries_total'))
  })

  it('samples one publication in 8 for the publish-to-deliver histogram', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    await bob.request({ type: 'subscribe', channel: 'room' })
    for (let n = 0; n < 16; n++)
      await alice.request({ type: 'publish', channel: 'room', data: { n } })
    for (let n = 0; n < 16; n++) await bob.next('pub')
    const read = await scrape(port)
    expect(read('hubbub_publications_total')).toBe(16)
    expect(read('hubbub_deliveries_total')).toBe(16)
    expect(read('hubbub_publish_to_deliver_seconds_count')).toBe(2)
    expect(read('hubbub_publish_to_deliver_seconds_bucket', { le: '+Inf' })).toBe(2)
    // Drained once observed: a later scrape keeps them and adds no more.
    const again = await scrape(port)
    expect(again('hubbub_publish_to_deliver_seconds_count')).toBe(2)
  })

  it('counts error replies by code and closes by the peer by its close code', async () => {
    const { port } = await start()
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'room' })
    await expect(alice.request({ type: 'subscribe', channel: 'room' })).rejects.toThrow(
      'bad_request',
    )
    await expect(
      alice.request({ type: 'publish', channel: 'sys:metrics', data: 1 }),
    ).rejects.toThrow('forbidden')
    let read = await scrape(port)
    expect(read('hubbub_replies_total', { code: 'bad_request' })).toBe(1)
    expect(read('hubbub_replies_total', { code: 'forbidden' })).toBe(1)
    const bob = await connect('Bob')
    await bob.close()
    // The client's close resolves with the server's answer; the server counts it on its close.
    const deadline = Date.now() + 5_000
    do read = await scrape(port)
    while (
      read('hubbub_disconnects_total', { code: '1005' }) === undefined &&
      Date.now() < deadline
    )
    expect(read('hubbub_disconnects_total', { code: '1005' })).toBe(1)
    expect(read('hubbub_connections', { protocol: 'hubbub.v1' })).toBe(1)
  })

  it('is a 404 with metrics: false', async () => {
    const { port } = await start({ metrics: false })
    const answer = await getText(port, '/metrics')
    expect(answer.status).toBe(404)
    expect((await getText(port, '/healthz')).status).toBe(200)
  })

  it('needs the API key with metricsRequireKey: 401 without or with a wrong one, 200 with it', async () => {
    const { port } = await start({ metricsRequireKey: true })
    const without = await getText(port, '/metrics')
    expect(without.status).toBe(401)
    expect(without.text).not.toContain('hubbub_')
    expect((await getText(port, '/metrics', 'wrong-key-0123456789abcdef')).status).toBe(401)
    const withKey = await getText(port, '/metrics', KEY)
    expect(withKey.status).toBe(200)
    expect(withKey.text).toContain('hubbub_connections')
  })

  it('refuses metricsRequireKey without an apiKey at start', async () => {
    await expect(createServer({ port: 0, metricsRequireKey: true })).rejects.toThrow(
      'metricsRequireKey needs an apiKey',
    )
  })
})
