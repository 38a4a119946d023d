/**
 * A redis-server of the bench's own, for the targets on the Redis engine: a child process on a
 * free loopback port (never 6379, which may be a Redis someone uses), no persistence, its files
 * in the run's fresh directory. Stopped with the run, like every server the bench starts.
 */
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import process from 'node:process'
import { freePort } from './free-port.js'
import { startProcess } from './server-process.js'

const REDIS_SERVER = process.env.BENCH_REDIS_SERVER ?? 'redis-server'
const ATTEMPTS = 4 // another process may take the free port between the probe and the bind
const RESERVED_PORT = 6379

/** Why the bench cannot start a redis-server here, or undefined when it can. */
export const redisUnavailable = () => {
  const isFound = REDIS_SERVER.includes('/')
    ? existsSync(REDIS_SERVER)
    : (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, REDIS_SERVER)))
  return isFound ? undefined : `${REDIS_SERVER} is not installed (apt-get install redis-server)`
}

const portNotReserved = async () => {
  for (;;) {
    const port = await freePort()
    if (port !== RESERVED_PORT) return port
  }
}

/**
 * Starts a redis-server with its files in `dir`; resolves with the process of server-process.js
 * plus its `url` once it accepts connections.
 */
export const startRedis = async (dir) => {
  for (let attempt = 1; ; attempt++) {
    const port = await portNotReserved()
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir]
    args.push('--save', '', '--appendonly', 'no', '--logfile', '')
    try {
      const server = await startProcess({
        command: REDIS_SERVER,
        args,
        readyPattern: /Ready to accept connections/,
      })
      return Object.assign(server, { port, url: `redis://127.0.0.1:${port}` })
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err
    }
  }
}
