/**
 * `hubbub serve` in a child process for the isolation tests: under a low open-files limit when
 * asked (`sh -c 'ulimit -n N; exec node …'`, so the pid is node's), with its stderr kept.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { afterEach } from 'vitest'
import { CLI } from '../support/cli-process.js'

export interface LimitedServe {
  child: ChildProcess
  port: number
  /** Everything written to stderr so far. */
  stderr(): string
  /** SIGTERM, then resolves once the process has exited. */
  stop(): Promise<void>
}

/** Variables the CLI reads, kept out of the child's environment. */
const isCliVariable = (name: string): boolean => name === 'PORT' || name.startsWith('HUBBUB_')

/** Sockets a test opened at once, and how many of them have been closed. */
export interface Attack {
  sockets: Socket[]
  closed(): number
  /** Resolves once at least `n` of them are closed. */
  closedAtLeast(n: number): Promise<void>
}

export const useLimitedServe = () => {
  const children = new Set<ChildProcess>()
  const sockets = new Set<Socket>()
  afterEach(async () => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null)
    for (const child of running) child.kill('SIGKILL')
    await Promise.all(running.map((child) => once(child, 'exit')))
    children.clear()
  })

  /** Starts `hubbub serve --memory --host 127.0.0.1 --port 0 <args>`, `openFiles` its limit. */
  const serve = async (args: string[], openFiles?: number): Promise<LimitedServe> => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !isCliVariable(name)),
    )
    const command = [CLI, 'serve', '--memory', '--host', '127.0.0.1', '--port', '0', ...args]
    const child =
      openFiles === undefined
        ? spawn(process.execPath, command, { env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(
            'sh',
            ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, ...command],
            { env, stdio: ['ignore', 'pipe', 'pipe'] },
          )
    children.add(child)
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout }), 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`hubbub serve exited before listening: ${stderr}`)
      }),
    ])) as [string]
    const port = Number(/:(\d+)$/.exec(line)?.[1])
    if (!(port > 0)) throw new Error(`unexpected first line: ${line}`)
    return {
      child,
      port,
      stderr: () => stderr,
      async stop() {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      },
    }
  }

  /**
   * Opens `count` sockets from `localAddresses` in turn, each sending `payload` once connected;
   * resolves once every one has connected or failed. `closed` counts the ones closed since.
   */
  const openMany = async (
    port: number,
    localAddresses: readonly string[],
    count: number,
    payload: string,
  ): Promise<Attack> => {
    let closed = 0
    const waiters: { n: number; resolve: () => void }[] = []
    const onClosed = (): void => {
      closed += 1
      for (const waiter of waiters.filter((w) => closed >= w.n)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
    const opened = Array.from({ length: count }, (_, i) => {
      const localAddress = localAddresses[i % localAddresses.length]
      const socket = connect({ host: '127.0.0.1', port, localAddress })
      sockets.add(socket)
      socket.on('error', () => {
        // A socket the server destroyed: counted on 'close'.
      })
      socket.once('close', onClosed)
      return new Promise<Socket>((resolve) => {
        socket.once('connect', () => {
          socket.write(payload)
          resolve(socket)
        })
        socket.once('close', () => {
          resolve(socket)
        })
      })
    })
    const all = await Promise.all(opened)
    return {
      sockets: all,
      closed: () => closed,
      closedAtLeast: (n) =>
        new Promise<void>((resolve) => {
          if (closed >= n) resolve()
          else waiters.push({ n, resolve })
        }),
    }
  }

  return { serve, openMany, sockets }
}

/** `GET /healthz` from `localAddress`: the status and parsed body; rejects if the socket fails. */
export const getHealthz = (
  port: number,
  localAddress = '127.0.0.1',
): Promise<{ status: number; body: unknown }> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', localAddress, agent: false },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
