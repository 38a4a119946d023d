import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { useServer } from '../support/harness.js'

const KEY = 'channel-budget-test-api-key'
type Answer = { error?: { code: string; message: string } }
const { start, connect } = useServer({ apiKey: KEY, logger: pino({ level: 'silent' }) })

/** The reply code (or 'ok') of each request, sent one after the other. */
const codes = async (send: (i: number) => Promise<Answer>, count: number): Promise<string[]> => {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const reply = await send(i)
    out.push(reply.error?.code ?? 'ok')
  }
  return out
}

describe('channel-creation budgets', () => {
  it('refuses new channels past a connection’s burst with too_many_requests; existing ones stay free', async () => {
    await start({ newChannelsPerSecond: 0.001, newChannelBurst: 3 })
    const alice = await connect('Alice')
    const publishNew = (i: number) =>
      alice.call({ type: 'publish', channel: `new-${i}`, data: i }) as Promise<Answer>
    expect(await codes(publishNew, 4)).toEqual(['ok', 'ok', 'ok', 'too_many_requests'])
    const refused = await alice.call({ type: 'subscribe', channel: 'never-used' })
    expect((refused as { error?: { message: string } }).error?.message).toMatch(
      /^too many new channels: at most 0.001 per second \(burst 3\) per connection$/,
    )
    // Publishing to and subscribing to existing channels is never charged.
    const existing = (i: number) =>
      alice.call({ type: 'publish', channel: `new-${i % 3}`, data: i }) as Promise<Answer>
    expect(await codes(existing, 20)).toEqual(Array.from({ length: 20 }, () => 'ok'))
    expect(await alice.request({ type: 'subscribe', channel: 'new-0' })).toMatchObject({ seq: 8 })
    // Another connection has its own budget.
    const bob = await connect('Bob')
    expect(await bob.request({ type: 'publish', channel: 'bob-1', data: 1 })).toEqual({ seq: 1 })
  })

  it('shares one budget between the connections of one IP address', async () => {
    await start({ newChannelsPerSecondPerIp: 0.001, newChannelBurstPerIp: 4 })
    const clients = [await connect('A'), await connect('B')]
    const send = (i: number) =>
      clients[i % 2]?.call({ type: 'history', channel: `ip-${i}` }) as Promise<Answer>
    expect(await codes(send, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'too_many_requests'])
    const last = await send(5)
    expect(last.error?.message).toMatch(/per IP address$/)
  })

  it('exempts the HTTP API (the server caller)', async () => {
    const { port } = await start({ newChannelsPerSecondPerIp: 1, newChannelBurstPerIp: 1 })
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`http://localhost:${port}/api/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: `api-${i}`, data: i }),
      })
      expect(response.status).toBe(200)
    }
  })
})
