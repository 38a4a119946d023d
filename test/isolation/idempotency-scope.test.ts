/**
 * Issue 11: idempotency keys belong to their publisher. A user who guesses another's key (the
 * examples use predictable keys like `disk-91`) must not make that publication vanish; a retry by
 * the same publisher is still deduplicated and answered with the original's seq.
 */
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { useServer } from '../support/harness.js'
import { credentialOf } from '../support/protocol-client.js'
import { post } from '../support/api-http.js'

const API_KEY = 'isolation-api-key-0123456789'
const { start, connect } = useServer({ apiKey: API_KEY, logger: pino({ level: 'silent' }) })

describe('idempotency keys are scoped to the publisher', () => {
  it("stores and delivers A's publication although B used A's key first", async () => {
    await start()
    const reader = await connect('Reader')
    await reader.request({ type: 'subscribe', channel: 'alerts' })
    const mallory = await connect('Mallory')
    const alice = await connect('Alice')
    const squat = await mallory.request({
      type: 'publish',
      channel: 'alerts',
      data: 'decoy',
      key: 'disk-91',
    })
    expect(squat).toEqual({ seq: 1 })
    const real = await alice.request({
      type: 'publish',
      channel: 'alerts',
      data: 'disk 91 is failing',
      key: 'disk-91',
    })
    expect(real).toEqual({ seq: 2 })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 1, data: 'decoy' })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 2, data: 'disk 91 is failing' })
    const history = (await reader.request({ type: 'history', channel: 'alerts' })) as {
      pubs: { data: unknown }[]
    }
    expect(history.pubs.map((pub) => pub.data)).toEqual(['decoy', 'disk 91 is failing'])
  })

  it("deduplicates the same user's retry, from a new connection, with the original's seq", async () => {
    await start()
    const reader = await connect('Reader')
    await reader.request({ type: 'subscribe', channel: 'alerts' })
    const alice = await connect('Alice')
    await alice.request({ type: 'publish', channel: 'alerts', data: 'other' })
    const first = await alice.request({
      type: 'publish',
      channel: 'alerts',
      data: 'once',
      key: 'disk-91',
    })
    expect(first).toEqual({ seq: 2 })
    // The SDK reconnects with its anonymous credential: the same user.
    const again = await connect('Alice', { credential: credentialOf(alice) })
    expect(again.member?.user).toBe(alice.member?.user)
    expect(
      await again.request({ type: 'publish', channel: 'alerts', data: 'once', key: 'disk-91' }),
    ).toEqual({ seq: 2 })
    await again.request({ type: 'publish', channel: 'alerts', data: 'marker' })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 1 })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 2, data: 'once' })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 3, data: 'marker' })
  })

  it('keeps the HTTP API (the server) and a client apart, both ways', async () => {
    const { port } = await start()
    const reader = await connect('Reader')
    await reader.request({ type: 'subscribe', channel: 'orders' })
    const mallory = await connect('Mallory')
    await mallory.request({ type: 'publish', channel: 'orders', data: 'decoy', key: 'order-1' })
    const body = { channel: 'orders', data: 'real', key: 'order-1' }
    const answer = await post(port, '/api/publish', body, { key: API_KEY })
    expect(answer.json).toMatchObject({ result: { seq: 2 } })
    const retry = await post(port, '/api/publish', body, { key: API_KEY })
    expect(retry.json).toMatchObject({ result: { seq: 2 } })
    const late = await mallory.request({
      type: 'publish',
      channel: 'orders',
      data: 'decoy again',
      key: 'order-1',
    })
    expect(late).toEqual({ seq: 1 })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 1, data: 'decoy' })
    expect((await reader.next('pub')).pub).toMatchObject({ seq: 2, data: 'real' })
  })
})
