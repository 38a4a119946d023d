/**
 * `hubbub serve --workers N --redis URL`: N worker processes serve one port. The built CLI runs
 * in a child process against a real redis-server on a free port; which worker answered is read
 * from `/healthz` (`node`, `pid`) and from the `connect` reply (`node`).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CLI, useServeProcesses, type Served } from './support/cli-process.js'
import { TestClient, credentialOf } from './support/protocol-client.js'
import { disposeRedisServer, startRedisServer, type RedisServer } from './support/redis-server.js'
import { isAlive } from './support/pid.js'

const LISTENING = /^hubbub listening on http:\/\/localhost:(\d+)$/

let redis: RedisServer
const dataRoot = mkdtempSync(join(tmpdir(), 'hubbub-workers-'))
let dataDirs = 0
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await disposeRedisServer(redis)
  rmSync(dataRoot, { recursive: true, force: true })
})

const { serve } = useServeProcesses()
const clients = new Set<TestClient>()
/** Worker pids seen in a test: a primary SIGKILLed by the harness leaves its workers behind. */
const workerPids = new Set<number>()
afterEach(() => {
  for (const client of clients) client.ws.terminate()
  clients.clear()
  for (const pid of workerPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  workerPids.clear()
})

const serveWorkers = (workers: string, extra: string[] = []): Promise<Served> =>
  serve([
    '--workers',
    workers,
    '--redis',
    redis.url,
    '--port',
    '0',
    '--data',
    join(dataRoot, `data-${(dataDirs += 1)}`),
    ...extra,
  ])

interface Health {
  node: string
  pid: number
}

/** `/healthz` over a connection of its own, so that the primary hands it to the next worker. */
const health = (port: number): Promise<Health> =>
  new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`/healthz answered ${res.statusCode}`))
        else resolve(JSON.parse(body) as Health)
      })
    }).on('error', reject)
  })

/**
 * Asks `/healthz` until `count` different workers answered (at most `maxRequests` times), every
 * answer counted; returns their pids by node id.
 */
const workersOf = async (
  port: number,
  count: number,
  isExpected: (answer: Health) => boolean = () => true,
  maxRequests = 200,
): Promise<Map<string, number>> => {
  const seen = new Map<string, number>()
  for (let request = 0; request < maxRequests && seen.size < count; request++) {
    const answer = await health(port)
    if (!isExpected(answer)) throw new Error(`unexpected answer ${JSON.stringify(answer)}`)
    seen.set(answer.node, answer.pid)
    workerPids.add(answer.pid)
  }
  if (seen.size < count)
    throw new Error(`${maxRequests} requests reached only ${JSON.stringify([...seen])}`)
  return seen
}

const connect = async (port: number, extra: Record<string, unknown> = {}): Promise<TestClient> => {
  const client = await TestClient.connect(`ws://127.0.0.1:${port}`, 'Tester', extra)
  clients.add(client)
  return client
}

const nodeOf = (client: TestClient): string => {
  const { node } = client.member as unknown as { node?: unknown }
  if (typeof node !== 'string') throw new Error('no node in the connect reply')
  return node
}

/** Connects until one client lands on `node` (at most 40 tries; the others stay open). */
const connectOn = async (
  port: number,
  node: string,
  extra: Record<string, unknown> = {},
): Promise<TestClient> => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const client = await connect(port, extra)
    if (nodeOf(client) === node) return client
  }
  throw new Error(`no connection landed on ${node}`)
}

describe('hubbub serve --workers', () => {
  it('serves one port from two processes that share channels and identities, and drains them all on SIGTERM', async () => {
    const served = await serveWorkers('2')
    expect(served.line).toMatch(LISTENING)
    const workers = await workersOf(served.port, 2)
    const [nodeA, nodeB] = [...workers.keys()] as [string, string]
    const pids = [...workers.values()]
    expect(pids).not.toContain(served.child.pid)

    const spread = await Promise.all(Array.from({ length: 12 }, () => connect(served.port)))
    expect(new Set(spread.map(nodeOf))).toEqual(new Set([nodeA, nodeB]))

    const subscriber = await connectOn(served.port, nodeA)
    const publisher = await connectOn(served.port, nodeB)
    await subscriber.request({ type: 'subscribe', channel: 'chat:workers' })
    await publisher.request({
      type: 'publish',
      channel: 'chat:workers',
      data: { text: 'from the other worker' },
    })
    const pub = await subscriber.next('pub', (frame) => frame.channel === 'chat:workers')
    expect(pub.pub.data).toEqual({ text: 'from the other worker' })

    // An anonymous credential issued by one worker keeps its holder's identity on the other.
    const again = await connectOn(served.port, nodeA, { credential: credentialOf(publisher) })
    expect(again.member?.user).toBe(publisher.member?.user)

    const outcome = await served.stop('SIGTERM')
    expect(outcome).toEqual({ code: 0, signal: null })
    expect((await subscriber.closed).code).toBe(1001)
    expect(pids.filter(isAlive)).toEqual([])
    expect(
      served
        .stdout()
        .split('\n')
        .filter((line) => line !== ''),
    ).toEqual([served.line])
  }, 90_000)

  it('starts a worker again after it is killed, and the port keeps serving meanwhile', async () => {
    const served = await serveWorkers('2')
    const workers = await workersOf(served.port, 2)
    const [killed, survivor] = [...workers.values()] as [number, number]
    process.kill(killed, 'SIGKILL')
    await served.untilStderr(new RegExp(`"workerPid":${killed},.*"worker died; restarting it"`))

    const after = await workersOf(served.port, 2, (answer) => answer.pid !== killed, 2_000)
    const pids = [...after.values()]
    expect(pids).toContain(survivor)
    expect(pids.filter((pid) => pid !== survivor)).toHaveLength(1)
    const client = await connect(served.port)
    expect([...after.keys()]).toContain(nodeOf(client))
  }, 90_000)

  it('--workers 1 keeps a supervisor: the replacement of a killed worker serves the same port 0 picked', async () => {
    const served = await serveWorkers('1', ['--log-level', 'info'])
    const [first] = [...(await workersOf(served.port, 1)).values()] as [number]
    process.kill(first, 'SIGKILL')
    await served.untilStderr(new RegExp(`"workerPid":${first},.*"worker died; restarting it"`))
    await served.untilStderr(/"msg":"worker listening"/)
    const [replacement] = [...(await workersOf(served.port, 1)).values()]
    expect(replacement).not.toBe(first)
    expect(await served.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  }, 90_000)

  it('exits 2 with one line without --redis: the workers would be separate worlds', async () => {
    for (const [args, env] of [
      [['--workers', '2'], {}],
      [['--port', '0'], { HUBBUB_WORKERS: 'auto' }],
    ] as const) {
      const child = spawn(process.execPath, [CLI, 'serve', ...args], {
        env: {
          ...process.env,
          HUBBUB_REDIS_URL: '',
          HUBBUB_DATA: join(dataRoot, 'unused'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const [code] = (await once(child, 'close')) as [number | null]
      expect(code).toBe(2)
      const lines = stderr.split('\n').filter((line) => line !== '')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/(--workers|HUBBUB_WORKERS) needs --redis/)
    }
  })
})
