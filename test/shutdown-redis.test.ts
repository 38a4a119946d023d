/**
 * A graceful shutdown on the Redis engine: the node's clients leave presence before its engine
 * closes, so the other nodes see them gone at once (not `presenceTtlMs` later), and no
 * unsubscribe runs into a closed engine (which would be logged as an error).
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisEngine } from '../src/engine/redis/index.js'
import { createServer } from '../src/server/index.js'
import { TestClient } from './support/protocol-client.js'
import { disposeRedisServer, startRedisServer, type RedisServer } from './support/redis-server.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await disposeRedisServer(redis)
})

/** A logger at level warn whose lines are kept. */
const capturingLogger = () => {
  const lines: { level: number; msg: string }[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as { level: number; msg: string })
      done()
    },
  })
  return { logger: pino({ level: 'warn' }, stream), lines }
}

describe('a graceful shutdown on Redis', () => {
  it('takes its clients out of presence before the engine closes, with no error logged', async () => {
    const prefix = `shutdown-${Math.random().toString(36).slice(2, 10)}`
    const channels = { 'room:*': { presence: true, joinLeave: true } }
    const { logger, lines } = capturingLogger()
    const leaving = await createServer({
      port: 0,
      engine: createRedisEngine({ url: redis.url, prefix }),
      channels,
      logger,
      shutdownSpreadMs: 0,
    })
    const staying = await createServer({
      port: 0,
      engine: createRedisEngine({ url: redis.url, prefix }),
      channels,
      logger: pino({ level: 'silent' }),
    })
    const watcher = await TestClient.connect(`ws://127.0.0.1:${staying.port}/`, 'Watcher')
    try {
      const count = 300
      const clients = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          TestClient.connect(`ws://127.0.0.1:${leaving.port}/`, `Guest ${i}`),
        ),
      )
      for (const client of clients)
        await client.request({ type: 'subscribe', channel: 'room:a', presence: true })
      const before = await watcher.request({ type: 'presence', channel: 'room:a' })
      expect((before as { members: unknown[] }).members).toHaveLength(count)

      await leaving.close()

      const after = await watcher.request({ type: 'presence', channel: 'room:a' })
      expect((after as { members: unknown[] }).members).toEqual([])
      expect(lines.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual([])
    } finally {
      watcher.ws.terminate()
      await staying.close()
    }
  })
})
