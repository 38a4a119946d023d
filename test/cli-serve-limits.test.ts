/**
 * `hubbub serve --max-connections`, `--max-connections-per-ip` and `--ping-interval` (and their
 * environment variables) as a user runs them: the built CLI in a child process, real WebSockets.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { CLI } from './support/cli-process.js'

const CLI_VARIABLES = new Set([
  'PORT',
  'HUBBUB_DATA',
  'HUBBUB_LOG_LEVEL',
  'HUBBUB_MAX_CONNECTIONS',
  'HUBBUB_MAX_CONNECTIONS_PER_IP',
  'HUBBUB_PING_INTERVAL',
  'HUBBUB_REQUESTS_PER_SECOND',
  'HUBBUB_REQUEST_BURST',
  'HUBBUB_DRAW_MESSAGES_PER_SECOND',
  'HUBBUB_DRAW_MESSAGE_BURST',
])

const children = new Set<ChildProcess>()
const sockets = new Set<WebSocket>()

afterEach(async () => {
  for (const socket of sockets) socket.terminate()
  sockets.clear()
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null)
  for (const child of running) child.kill('SIGKILL')
  await Promise.all(running.map((child) => once(child, 'exit')))
  children.clear()
})

/** The test run's environment without the variables the CLI reads, plus `extra`. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLI_VARIABLES.has(name))),
  ...extra,
})

const launch = (args: string[], env: NodeJS.ProcessEnv): ChildProcess => {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  return child
}

/** Runs `hubbub serve` to its exit (for command lines it refuses). */
const runServe = async (
  args: string[],
  extraEnv?: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> => {
  const child = launch(args, cleanEnv(extraEnv))
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  await once(child, 'close')
  return { code: child.exitCode, stdout, stderr }
}

/** Starts `hubbub serve --memory` on a free loopback port; resolves with the port. */
const startServe = async (args: string[], extraEnv?: Record<string, string>): Promise<number> => {
  const child = launch(['--memory', '--host', '127.0.0.1', '--port', '0', ...args], {
    ...cleanEnv(extraEnv),
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  if (child.stdout === null) throw new Error('no stdout pipe')
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`hubbub serve exited before listening: ${stderr}`)
    }),
  ])) as [string]
  const port = Number(/:(\d+)$/.exec(line)?.[1])
  if (!(port > 0)) throw new Error(`unexpected first line: ${line}`)
  return port
}

interface Opened {
  socket: WebSocket
  /** The first frame's decoded JSON, or the close code if the server closed first. */
  first: Promise<{ frame?: Record<string, unknown>; close?: { code: number; reason: string } }>
  /** Frames after the first, decoded. */
  frames: Record<string, unknown>[]
}

/** Opens a hubbub.v1 WebSocket from `localAddress` and sends `connect`. */
const open = async (port: number, localAddress = '127.0.0.1'): Promise<Opened> => {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, 'hubbub.v1', { localAddress })
  sockets.add(socket)
  const frames: Record<string, unknown>[] = []
  const first = new Promise<Awaited<Opened['first']>>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>
      if (frame.type === 'ping') socket.send('{"type":"pong"}')
      frames.push(frame)
      resolve({ frame })
    })
    socket.once('close', (code: number, reason: Buffer) => {
      resolve({ close: { code, reason: reason.toString('utf8') } })
    })
  })
  await once(socket, 'open')
  socket.send(JSON.stringify({ type: 'connect', id: 1, name: 'Ann' }))
  return { socket, first, frames }
}

describe('hubbub serve limits', () => {
  it('closes connections past --max-connections with 1013', async () => {
    const port = await startServe(['--max-connections', '1'])
    const first = await open(port)
    expect((await first.first).frame).toMatchObject({ type: 'reply', id: 1 })
    const second = await open(port)
    expect((await second.first).close).toEqual({ code: 1013, reason: 'this node is full' })
    // The first one stays connected; once it leaves, there is room again.
    expect(first.socket.readyState).toBe(WebSocket.OPEN)
    first.socket.close()
    await once(first.socket, 'close')
    await expect.poll(async () => (await (await open(port)).first).frame?.type).toBe('reply')
  })

  it('closes connections past --max-connections-per-ip with 1013, per address', async () => {
    const port = await startServe(['--max-connections-per-ip', '1'])
    expect((await (await open(port, '127.0.0.1')).first).frame).toMatchObject({ type: 'reply' })
    expect((await (await open(port, '127.0.0.1')).first).close).toEqual({
      code: 1013,
      reason: 'too many connections from your address',
    })
    expect((await (await open(port, '127.0.0.2')).first).frame).toMatchObject({ type: 'reply' })
  })

  it('takes the limits from the environment, and flags win', async () => {
    const env = { HUBBUB_MAX_CONNECTIONS: '1', HUBBUB_PING_INTERVAL: 'not-a-number' }
    const port = await startServe(['--ping-interval', '2000'], env)
    const first = await open(port)
    expect((await first.first).frame).toMatchObject({ result: { pingMs: 2_000 } })
    expect((await (await open(port)).first).close?.code).toBe(1013)
  })

  it('refuses frames past --request-burst and --requests-per-second with too_many_requests', async () => {
    const port = await startServe(['--requests-per-second', '1', '--request-burst', '5'])
    const client = await open(port)
    await client.first
    for (let id = 2; id <= 11; id++)
      client.socket.send(JSON.stringify({ type: 'publish', id, channel: 'room:1', data: id }))
    await expect.poll(() => client.frames.filter((frame) => frame.type === 'reply').length).toBe(11)
    // Refusals are answered at once, accepted publishes once stored: order the replies by id.
    const codes = client.frames
      .filter((frame) => frame.type === 'reply' && frame.id !== 1)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((frame) => (frame.error as { code?: string } | undefined)?.code ?? 'ok')
    // A burst of five, then one a second: the ten went out within milliseconds.
    expect(codes).toEqual([
      ...Array<string>(5).fill('ok'),
      ...Array<string>(5).fill('too_many_requests'),
    ])
  })

  it('limits a plain /draw client by --draw-messages-per-second and HUBBUB_DRAW_MESSAGE_BURST', async () => {
    const port = await startServe(['--draw-messages-per-second', '1'], {
      HUBBUB_DRAW_MESSAGE_BURST: '5',
    })
    const plain = async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/draw`)
      sockets.add(socket)
      await once(socket, 'open')
      return socket
    }
    const watcher = await plain()
    const moves: unknown[] = []
    watcher.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string }
      if (message.type === 'draw_move') moves.push(message)
    })
    const drawer = await plain()
    const closedDrawer = once(drawer, 'close')
    // 100 messages at once: within the default burst of 600, far past a burst of 5 and the 50
    // refusals after which a plain connection is closed.
    drawer.send(JSON.stringify({ type: 'draw_start', x: 0, y: 0 }))
    for (let x = 1; x < 100; x++) drawer.send(JSON.stringify({ type: 'draw_move', x, y: 0 }))
    const [code] = (await closedDrawer) as [number]
    expect(code).toBe(4029)
    // The burst's first four moves were relayed.
    await expect.poll(() => moves.length).toBeGreaterThanOrEqual(4)
    expect(moves[0]).toEqual({ type: 'draw_move', x: 1, y: 0, fromX: 0, fromY: 0 })
  })

  it('pings every --ping-interval ms and says so in the connect reply', async () => {
    const port = await startServe(['--ping-interval', '1000'])
    const client = await open(port)
    expect((await client.first).frame).toMatchObject({ type: 'reply', result: { pingMs: 1_000 } })
    const started = Date.now()
    await expect
      .poll(() => client.frames.filter((frame) => frame.type === 'ping').length, {
        timeout: 5_000,
      })
      .toBeGreaterThanOrEqual(2)
    expect(Date.now() - started).toBeLessThan(4_000)
    // It answered every ping, so it is still connected.
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
  })

  it.each([
    [
      ['--max-connections', '0'],
      /invalid --max-connections "0": expected a whole number 1 or more/,
    ],
    [['--max-connections', 'lots'], /invalid --max-connections "lots"/],
    [['--max-connections-per-ip=-5'], /invalid --max-connections-per-ip "-5"/],
    [['--max-connections-per-ip', '1.5'], /invalid --max-connections-per-ip "1.5"/],
    [['--ping-interval', '999'], /invalid --ping-interval "999": .* from 1000 to 2147483647/],
    [['--ping-interval', '3000000000'], /invalid --ping-interval "3000000000"/],
    [['--ping-interval'], /option '--ping-interval <value>' argument missing/],
  ])('%j exits 2 with one line on stderr', async (args, message) => {
    const result = await runServe(args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^hubbub: [^\n]+\(see 'hubbub serve --help'\)\n$/)
    expect(result.stderr).toMatch(message)
  })

  it.each([
    ['HUBBUB_MAX_CONNECTIONS', '0'],
    ['HUBBUB_MAX_CONNECTIONS_PER_IP', 'x'],
    ['HUBBUB_PING_INTERVAL', '10'],
  ])('a bad %s=%j exits 2', async (name, value) => {
    const result = await runServe(['--memory'], { [name]: value })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`hubbub: invalid ${name} ${JSON.stringify(value)}`)
  })

  it('lists the flags in --help', async () => {
    const result = await runServe(['--help'])
    expect(result.code).toBe(0)
    for (const flag of [
      '--max-connections <n>',
      '--max-connections-per-ip <n>',
      '--ping-interval',
      '--requests-per-second <n>',
      '--request-burst <n>',
      '--draw-messages-per-second <n>',
      '--draw-message-burst <n>',
    ])
      expect(result.stdout).toContain(flag)
  })
})
