/**
 * Webhooks as a backend sees them: a real HTTP receiver on loopback gets signed JSON events from
 * a server that real WebSocket clients use; it checks the HMAC itself. A failing receiver gets
 * retries; a dead one never slows the hub, and its bounded queue drops (and counts) the oldest.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { HUB_EVENT_TYPES, type HubEventType, type WebhookOptions } from '../src/server/index.js'
import { useServer } from './support/harness.js'
import { scrape } from './support/metrics-text.js'
import {
  deadUrl,
  startWebhookReceiver,
  type Received,
  type WebhookReceiver,
} from './support/webhook-receiver.js'

const SECRET = 'webhook-test-secret-0123456789'
const ALL: HubEventType[] = [...HUB_EVENT_TYPES]

// Registered before useServer's hook, so receivers close after the server (hooks run in reverse).
const receivers: WebhookReceiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})
const { start, connect } = useServer({ shutdownTimeoutMs: 200 })

const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
  const started = await startWebhookReceiver(...args)
  receivers.push(started)
  return started
}

const hook = (url: string, extra: Partial<WebhookOptions> = {}): WebhookOptions => ({
  url,
  events: ALL,
  secret: SECRET,
  channels: ['chat:*'],
  ...extra,
})

/** Checks a request as a receiver should (the docs' recipe), and returns its parsed body. */
const verified = (request: Received): Record<string, unknown> => {
  const timestamp = String(request.headers['x-hubbub-timestamp'])
  expect(timestamp).toMatch(/^\d+$/)
  expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300)
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`
  const given = String(request.headers['x-hubbub-signature'])
  expect(given.length).toBe(expected.length)
  expect(timingSafeEqual(Buffer.from(given), Buffer.from(expected))).toBe(true)
  expect(request.headers['content-type']).toBe('application/json')
  const body = JSON.parse(request.body) as Record<string, unknown>
  expect(request.headers['x-hubbub-event']).toBe(body.type)
  expect(request.headers['x-hubbub-delivery']).toBe(body.id)
  return body
}

describe('webhooks', () => {
  it('POSTs signed connect, subscribe, publish, unsubscribe, occupied, vacated and disconnect events', async () => {
    const hooks = await receiver()
    await start({ webhooks: [hook(hooks.url)] })
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'chat:1' })
    const bob = await connect('Bob')
    await bob.request({ type: 'subscribe', channel: 'chat:1' })
    // Not a chosen pattern: neither its publication nor its channel events are sent.
    await bob.request({ type: 'publish', channel: 'other:1', data: { text: 'unseen' } })
    await bob.request({ type: 'publish', channel: 'chat:1', data: { text: 'hello' } })
    await alice.request({ type: 'unsubscribe', channel: 'chat:1' })
    await bob.close()

    const requests = await hooks.until(10)
    const events = requests.map(verified)
    expect(events.map((event) => [event.type, event.channel])).toEqual([
      ['connect', undefined],
      ['channel.occupied', 'chat:1'],
      ['subscribe', 'chat:1'],
      ['connect', undefined],
      ['subscribe', 'chat:1'],
      ['publish', 'chat:1'],
      ['unsubscribe', 'chat:1'],
      ['unsubscribe', 'chat:1'],
      ['channel.vacated', 'chat:1'],
      ['disconnect', undefined],
    ])
    const member = (index: number) => (events[index]?.member as { name: string }).name
    expect([0, 2, 3, 4, 6, 7, 9].map(member)).toEqual([
      'Alice',
      'Alice',
      'Bob',
      'Bob',
      'Alice',
      'Bob',
      'Bob',
    ])
    expect(events[5]?.pub).toMatchObject({
      seq: 1,
      data: { text: 'hello' },
      from: { name: 'Bob', client: bob.member?.client },
    })
    for (const event of events) {
      expect(typeof event.time).toBe('number')
      expect(typeof event.node).toBe('string')
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(10)
  })

  it('sends only the events a webhook asks for; connection events are not filtered by channel', async () => {
    const hooks = await receiver()
    await start({
      webhooks: [hook(hooks.url, { events: ['connect', 'channel.vacated'], channels: ['a:*'] })],
    })
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'b:1' })
    await alice.request({ type: 'subscribe', channel: 'a:1' })
    await alice.request({ type: 'unsubscribe', channel: 'b:1' })
    await alice.request({ type: 'unsubscribe', channel: 'a:1' })
    const events = (await hooks.until(2)).map(verified)
    expect(events.map((event) => [event.type, event.channel])).toEqual([
      ['connect', undefined],
      ['channel.vacated', 'a:1'],
    ])
  })

  it('retries a receiver that answers 500, with the same delivery id, until it answers 200', async () => {
    const hooks = await receiver((_request, index) => (index === 0 ? 500 : 200))
    const server = await start({ webhooks: [hook(hooks.url)], webhookRetryMinMs: 20 })
    await connect('Alice')
    const [first, second] = await hooks.until(2)
    if (first === undefined || second === undefined) throw new Error('two requests expected')
    expect(verified(second)).toEqual(verified(first))
    expect(second.headers['x-hubbub-delivery']).toBe(first.headers['x-hubbub-delivery'])
    // One receiver's events go in order: the next one arrives only once the first was accepted.
    await connect('Bob')
    const third = (await hooks.until(3))[2]
    if (third === undefined) throw new Error('a third request expected')
    expect(verified(third)).toMatchObject({ type: 'connect', member: { name: 'Bob' } })
    expect(server.webhookStats()).toMatchObject({ sent: 1, failed: 0, dropped: 0 })
  })

  it('gives up on a request that gets no answer within webhookTimeoutMs, then sends the next; the log keeps secrets out', async () => {
    const hooks = await receiver((_request, index) => (index === 0 ? 'hang' : 200))
    let log = ''
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          log += chunk.toString('utf8')
          done()
        },
      }),
    )
    const server = await start({
      logger,
      webhooks: [hook(`${hooks.url}?token=in-the-query`, { events: ['connect'] })],
      webhookTimeoutMs: 200,
      webhookMaxAttempts: 1,
    })
    await connect('Alice')
    await hooks.until(1)
    await connect('Bob')
    const events = (await hooks.until(2)).map(verified)
    expect(events.map((event) => (event.member as { name: string }).name)).toEqual(['Alice', 'Bob'])
    expect(server.webhookStats()).toMatchObject({ failed: 1 })
    expect(log).toContain('webhook not delivered: no response within 200 ms')
    expect(log).toContain(hooks.url)
    expect(log).not.toContain('in-the-query')
    expect(log).not.toContain(SECRET)
  })

  it('a dead receiver never blocks the hub: its queue stays bounded and drops the oldest, counted', async () => {
    const server = await start({
      webhooks: [hook(await deadUrl(), { channels: ['*'] })],
      maxQueuedWebhookEvents: 5,
      webhookRetryMinMs: 60_000,
    })
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    await bob.request({ type: 'subscribe', channel: 'chat:1' })
    for (let i = 0; i < 10; i += 1) {
      await alice.request({ type: 'publish', channel: 'chat:1', data: { i } })
      expect((await bob.next('pub')).pub).toMatchObject({ data: { i } })
    }
    // 2 connects + occupied + subscribe + 10 publishes = 14: one being tried, 5 waiting.
    expect(server.webhookStats()).toEqual({ queued: 6, sent: 0, failed: 0, dropped: 8 })
    // And /metrics says so, for an alert on dropped events.
    const sample = await scrape(server.port)
    expect(sample('hubbub_webhook_queued')).toBe(6)
    expect(sample('hubbub_webhook_events_total', { outcome: 'dropped' })).toBe(8)
    expect(sample('hubbub_webhook_events_total', { outcome: 'sent' })).toBe(0)
  })

  it('refuses webhooks it cannot use, naming the field', async () => {
    await expect(start({ webhooks: [hook('ftp://example.com/hooks')] })).rejects.toThrow(
      'webhooks[0].url: expected an http:// or https:// URL',
    )
    await expect(
      start({ webhooks: [hook('http://127.0.0.1/', { secret: 'short' })] }),
    ).rejects.toThrow(/webhooks\[0\]\.secret: expected at least 16 characters/)
    await expect(
      start({ webhooks: [hook('http://127.0.0.1/', { channels: undefined })] }),
    ).rejects.toThrow(/webhooks\[0\]\.channels: publish needs channel patterns/)
  })
})
