/**
 * The counter app over loopback (DESIGN.md §8, docs/apps.md): `counter.add` changes a value kept
 * in State atomically, subscribers get it as the subscribe `state` and as `{ value }`
 * publications, and concurrent adds from many clients never lose an increment.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCounterApp } from '../src/apps/index.js'
import { createSqliteEngine } from '../src/server/index.js'
import { connect as connectSdk, type Client } from '../src/client/node.js'
import { nextEvent } from './support/sdk.js'
import { useServer } from './support/harness.js'

// A burst of 50 adds per client: these tests are about concurrency, not the per-user rate limit.
const { start, connect } = useServer({ apps: [createCounterApp({ addBurst: 50 })] })

const sdkClients: Client[] = []
afterEach(() => {
  for (const client of sdkClients.splice(0)) client.close()
})

describe('counter', () => {
  it('adds, keeps the value in State, publishes { value } and sends it as subscribe state', async () => {
    const server = await start()
    const watcher = await connect('Watcher')
    expect(await watcher.request({ type: 'subscribe', channel: 'counter:likes' })).toMatchObject({
      state: { value: 0 },
    })
    const alice = await connect('Alice')
    expect(
      await alice.request({
        type: 'rpc',
        method: 'counter.add',
        params: { name: 'likes', delta: 5 },
      }),
    ).toEqual({ value: 5 })
    expect((await watcher.next('pub')).pub.data).toEqual({ value: 5 })
    expect(
      await alice.request({
        type: 'rpc',
        method: 'counter.add',
        params: { name: 'likes', delta: -7 },
      }),
    ).toEqual({ value: -2 })
    expect((await watcher.next('pub')).pub.data).toEqual({ value: -2 })
    expect(await server.hub.state.get('counter:likes')).toBe(-2)

    const late = await connect('Late')
    expect(await late.request({ type: 'subscribe', channel: 'counter:likes' })).toMatchObject({
      state: { value: -2 },
    })
    // Counters are separate.
    expect(
      await late.request({
        type: 'rpc',
        method: 'counter.add',
        params: { name: 'other', delta: 1 },
      }),
    ).toEqual({ value: 1 })
  })

  it('works through the SDK: the value arrives as the state event, then as messages', async () => {
    const server = await start()
    const client = connectSdk(`ws://127.0.0.1:${server.port}/`, { name: 'Sdk' })
    sdkClients.push(client)
    const sub = client.channel('counter:sdk')
    expect(await nextEvent(sub, 'state')).toEqual({ value: 0 })
    const message = nextEvent(sub, 'message')
    expect(await client.rpc('counter.add', { name: 'sdk', delta: 3 })).toEqual({ value: 3 })
    expect((await message).data).toEqual({ value: 3 })
  })

  it.each(['memory', 'sqlite'])(
    'never loses an increment (%s engine): 20 clients × 50 concurrent adds give every value once',
    async (engineName) => {
      const dir = mkdtempSync(join(tmpdir(), 'hubbub-counter-'))
      try {
        const server = await start(
          engineName === 'sqlite'
            ? { engine: createSqliteEngine({ file: join(dir, 'hubbub.db') }) }
            : {},
        )
        const watcher = await connect('Watcher')
        await watcher.request({ type: 'subscribe', channel: 'counter:race' })
        const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(`C${i}`)))
        const replies = await Promise.all(
          clients.flatMap((client) =>
            Array.from({ length: 50 }, () =>
              client.request({
                type: 'rpc',
                method: 'counter.add',
                params: { name: 'race', delta: 1 },
              }),
            ),
          ),
        )
        // Atomic increments: each add saw its own value, 1 to 1000.
        const values = replies.map((reply) => (reply as { value: number }).value)
        expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1))
        const reader = await connect('Reader')
        expect(await reader.request({ type: 'subscribe', channel: 'counter:race' })).toMatchObject({
          state: { value: 1_000 },
        })
        // Publications are coalesced, but the last one carries the final value.
        await watcher.next('pub', (frame) => {
          const { data } = frame.pub as { data: { value: number } }
          return data.value === 1_000
        })
        await server.close()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  it('refuses bad params with bad_request, client publishes with forbidden, bad names on subscribe', async () => {
    await start()
    const alice = await connect('Alice')
    const add = (params: unknown) => alice.request({ type: 'rpc', method: 'counter.add', params })
    await expect(add({ name: 'x', delta: 1.5 })).rejects.toThrow(/^bad_request: delta/)
    await expect(add({ name: 'x', delta: 1_001 })).rejects.toThrow(/^bad_request: delta/)
    await expect(add({ name: 'x', delta: '1' })).rejects.toThrow(/^bad_request: delta/)
    await expect(add({ name: 'no spaces', delta: 1 })).rejects.toThrow(/^bad_request: name/)
    await expect(add({ delta: 1 })).rejects.toThrow(/^bad_request: name/)
    await expect(add([1])).rejects.toThrow(/^bad_request: params/)
    expect(await add({ name: 'x', delta: -1_000 })).toEqual({ value: -1_000 })
    await expect(
      alice.request({ type: 'publish', channel: 'counter:x', data: { value: 1e9 } }),
    ).rejects.toThrow(/^forbidden/)
    await expect(alice.request({ type: 'subscribe', channel: 'counter:a b' })).rejects.toThrow(
      /^bad_request/,
    )
  })
})
