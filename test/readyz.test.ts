/**
 * `GET /readyz` over real HTTP: ready with an in-process engine; with the Redis engine, 503 while
 * a real redis-server is stopped and 200 again once it is back; 503 while the node drains at
 * shutdown. `/healthz` stays 200 throughout (liveness).
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisEngine } from '../src/engine/redis/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { useServer } from './support/harness.js'
import { getText } from './support/metrics-text.js'
import { disposeRedisServer, startRedisServer, type RedisServer } from './support/redis-server.js'

const silent = pino({ level: 'silent' })
const { start, connect } = useServer({ logger: silent })

const readyz = async (port: number): Promise<{ status: number; body: Record<string, unknown> }> => {
  const answer = await getText(port, '/readyz')
  return { status: answer.status, body: JSON.parse(answer.text) as Record<string, unknown> }
}

/** Asks `/readyz` until it answers `status` (each answer is awaited: no timers). */
const readyzUntil = async (port: number, status: number, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answer = await readyz(port)
    if (answer.status === status || Date.now() > deadline) return answer
  }
}

describe('GET /readyz', () => {
  it('is 200 with an in-process engine, and never cached', async () => {
    const { port } = await start()
    const answer = await getText(port, '/readyz')
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({ status: 'ready' })
  })

  it('is 503 with reason "draining" for drainDelayMs at shutdown, while the node still serves', async () => {
    const server = await start({ drainDelayMs: 2_000 })
    const { port } = server
    const alice = await connect('Alice')
    const closed = server.close()
    const answer = await readyz(port)
    expect(answer.status).toBe(503)
    expect(answer.body).toMatchObject({ status: 'unavailable', reason: 'draining' })
    // Still live and still serving its clients until the delay ends.
    expect((await getText(port, '/healthz')).status).toBe(200)
    await alice.request({ type: 'subscribe', channel: 'room' })
    const leaving = await alice.closed
    expect(leaving.code).toBe(1001)
    await closed
  })
})

describe('GET /readyz with the Redis engine', () => {
  let redis: RedisServer
  let server: HubbubServer | undefined

  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await server?.close()
    await disposeRedisServer(redis)
  })

  it('is 503 with reason "engine" while redis-server is stopped, 200 again once it is back', async () => {
    server = await createServer({
      port: 0,
      logger: silent,
      engine: createRedisEngine({
        url: redis.url,
        heartbeatMs: 200,
        commandTimeoutMs: 500,
        onError: () => undefined,
      }),
    })
    const { port } = server
    expect(await readyz(port)).toEqual({ status: 200, body: { status: 'ready' } })

    await redis.stop()
    const down = await readyzUntil(port, 503, 10_000)
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ status: 'unavailable', reason: 'engine' })
    expect(down.body.message).toEqual(expect.any(String))
    expect((await getText(port, '/healthz')).status).toBe(200)

    await redis.start()
    const up = await readyzUntil(port, 200, 15_000)
    expect(up).toEqual({ status: 200, body: { status: 'ready' } })
  })
})
