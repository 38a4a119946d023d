/**
 * A real `redis-server` for the tests, in a child process on a free loopback port of its own
 * (never the machine's 6379), with its files in a fresh directory. It can be stopped, killed and
 * started again on the same port and directory, with or without append-only persistence.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export interface RedisServerOptions {
  /** Keep an append-only file, so that a restart keeps the data. @default false */
  appendOnly?: boolean
  /** Extra `--name value` settings, e.g. `['--client-output-buffer-limit', 'pubsub 1mb 1mb 0']`. */
  args?: string[]
}

export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  readonly pid: number
  /** What it has logged since it last started. */
  log(): string
  /** Stops it (SIGTERM, or SIGKILL for a crash) and resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Starts it again on the same port and directory (after {@link RedisServer.stop}). */
  start(options?: RedisServerOptions): Promise<void>
}

/** A port nothing listens on right now. */
export const freePort = async (): Promise<number> => {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  probe.close()
  await once(probe, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Every redis-server running, so that a test process that ends early leaves none behind. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

const launch = async (
  port: number,
  dir: string,
  options: RedisServerOptions,
): Promise<{ child: ChildProcess; log: () => string }> => {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      options.appendOnly === true ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--logfile',
      '',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  running.add(child)
  child.once('exit', () => running.delete(child))
  let output = ''
  const lines = createInterface({ input: child.stdout })
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      output += `${line}\n`
      if (line.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited (${String(code)}) before it was ready: ${output}`))
    })
  })
  await ready
  return { child, log: () => output }
}

/** Starts a redis-server; call `stop` when done (the `useRedisServer` hook does). */
export const startRedisServer = async (options: RedisServerOptions = {}): Promise<RedisServer> => {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-redis-'))
  let port = await freePort()
  let launched: { child: ChildProcess; log: () => string } | undefined
  // Another process may take the free port between the probe and redis-server's bind: retry.
  for (let attempt = 0; launched === undefined; attempt++) {
    try {
      launched = await launch(port, dir, options)
    } catch (error) {
      if (attempt >= 4) throw error
      port = await freePort()
    }
  }
  let current: ChildProcess | undefined = launched.child
  let log = launched.log
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${String(port)}`,
    get pid() {
      return current?.pid ?? 0
    },
    log: () => log(),
    async stop(signal = 'SIGTERM') {
      const running = current
      current = undefined
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
      const exited = once(running, 'exit')
      running.kill(signal)
      await exited
    },
    async start(restartOptions = options) {
      if (current !== undefined) throw new Error('redis-server is running')
      const relaunched = await launch(port, dir, restartOptions)
      current = relaunched.child
      log = relaunched.log
    },
  }
  cleanups.set(server, () => {
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}

const cleanups = new Map<RedisServer, () => void>()

/** Stops `server` for good and removes its directory. */
export const disposeRedisServer = async (server: RedisServer): Promise<void> => {
  await server.stop('SIGKILL')
  cleanups.get(server)?.()
  cleanups.delete(server)
}
