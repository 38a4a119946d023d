/**
 * `hubbub serve` as a user runs it: the built CLI (`dist/cli/main.js`, built by `pretest`) in a
 * child process, driven through its stdout line, a WebSocket client, signals and exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const LISTENING = /^hubbub listening on http:\/\/(.+):(\d+)$/

/** Every child started, with a promise of its exit once its output streams are closed too. */
const children = new Map<ChildProcess, Promise<Outcome>>()
const sockets = new Set<WebSocket>()
const blockers = new Set<Server>()
/** Holds a data directory per server started, so that none shares or leaves one in the clone. */
const dataRoot = mkdtempSync(join(tmpdir(), 'hubbub-cli-'))
let dataDirs = 0

afterAll(() => {
  rmSync(dataRoot, { recursive: true, force: true })
})

afterEach(async () => {
  for (const socket of sockets) socket.terminate()
  sockets.clear()
  for (const child of children.keys())
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await Promise.all(children.values())
  children.clear()
  await Promise.all([...blockers].map((server) => new Promise((resolve) => server.close(resolve))))
  blockers.clear()
})

const CLI_VARIABLES = new Set(['PORT', 'HUBBUB_LOG_LEVEL', 'HUBBUB_DATA', 'HUBBUB_SECRET'])

/**
 * The environment of the test run without the variables the CLI reads, plus a new data
 * directory (`HUBBUB_DATA`), plus `extra`.
 */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLI_VARIABLES.has(name))),
  HUBBUB_DATA: join(dataRoot, `data-${(dataDirs += 1)}`),
  ...extra,
})

const launch = (args: string[], env: NodeJS.ProcessEnv = cleanEnv()): ChildProcess => {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.set(
    child,
    once(child, 'close').then(() => ({ code: child.exitCode, signal: child.signalCode })),
  )
  return child
}

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
}

/** Resolves when the process has exited and its output streams are closed. */
const exited = (child: ChildProcess): Promise<Outcome> => {
  const outcome = children.get(child)
  if (outcome === undefined) throw new Error('not a child of this test')
  return outcome
}

const collect = (stream: NodeJS.ReadableStream | null): (() => string) => {
  let text = ''
  stream?.setEncoding('utf8')
  stream?.on('data', (chunk: string) => (text += chunk))
  return () => text
}

/** Runs the CLI to completion. */
const runCli = async (
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<Outcome & { stdout: string; stderr: string }> => {
  const child = launch(args, env)
  const stdout = collect(child.stdout)
  const stderr = collect(child.stderr)
  const outcome = await exited(child)
  return { ...outcome, stdout: stdout(), stderr: stderr() }
}

interface Running {
  child: ChildProcess
  /** The host and port of the printed URL. */
  host: string
  port: number
  /** Every stdout line so far. */
  lines: string[]
  stderr: () => string
}

/** Starts `hubbub serve` and resolves with the port from its first stdout line. */
const startServe = async (args: string[], env?: NodeJS.ProcessEnv): Promise<Running> => {
  const child = launch(['serve', ...args], env)
  const stderr = collect(child.stderr)
  const lines: string[] = []
  if (child.stdout === null) throw new Error('no stdout pipe')
  const reader = createInterface({ input: child.stdout })
  const first = new Promise<string>((resolve, reject) => {
    reader.on('line', (line) => {
      lines.push(line)
      if (lines.length === 1) resolve(line)
    })
    child.once('close', (code) => {
      reject(new Error(`hubbub serve exited with ${code} before listening; stderr: ${stderr()}`))
    })
  })
  const line = await first
  const match = LISTENING.exec(line)
  if (match?.[1] === undefined || match[2] === undefined)
    throw new Error(`unexpected first line: ${line}`)
  return { child, host: match[1], port: Number(match[2]), lines, stderr }
}

/** A port that was free a moment ago (the OS picked it), or a server holding one. */
const holdPort = async (): Promise<Server> => {
  const server = createServer()
  blockers.add(server)
  server.listen(0)
  await once(server, 'listening')
  return server
}
const portOf = (server: Server): number => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  return address.port
}
const freePort = async (): Promise<number> => {
  const server = await holdPort()
  const port = portOf(server)
  blockers.delete(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Opens a hubbub.v1 WebSocket and completes the connect handshake (presenting `credential`). */
const connectClient = async (
  port: number,
  credential?: string,
): Promise<{ socket: WebSocket; reply: unknown }> => {
  const socket = new WebSocket(`ws://localhost:${port}/`, 'hubbub.v1')
  sockets.add(socket)
  await once(socket, 'open')
  const message = once(socket, 'message')
  socket.send(JSON.stringify({ type: 'connect', id: 1, name: 'Ann', credential }))
  const [data] = (await message) as [Buffer]
  return { socket, reply: JSON.parse(data.toString('utf8')) }
}

describe('hubbub serve', () => {
  it('prints one line with the bound port and accepts hubbub.v1 clients', async () => {
    const running = await startServe(['--port', '0'])
    expect(running.host).toBe('localhost')
    expect(running.port).toBeGreaterThan(0)
    const { reply } = await connectClient(running.port)
    expect(reply).toMatchObject({ type: 'reply', id: 1, result: { name: 'Ann' } })
    const { result } = reply as { result: Record<string, unknown> }
    expect({
      client: typeof result.client,
      user: typeof result.user,
      node: typeof result.node,
      pingMs: typeof result.pingMs,
    }).toEqual({ client: 'string', user: 'string', node: 'string', pingMs: 'number' })
    running.child.kill('SIGTERM')
    expect(await exited(running.child)).toEqual({ code: 0, signal: null })
    expect(running.lines).toEqual([`hubbub listening on http://localhost:${running.port}`])
  })

  it('takes the port from PORT when --port is absent', async () => {
    const port = await freePort()
    const running = await startServe([], cleanEnv({ PORT: String(port) }))
    expect(running.port).toBe(port)
  })

  it('prints the host it was given, unless it is a wildcard', async () => {
    const given = await startServe(['--host', '127.0.0.1', '--port', '0'])
    expect(given.host).toBe('127.0.0.1')
    const wildcard = await startServe(['--host', '0.0.0.0', '--port', '0'])
    expect(wildcard.host).toBe('localhost')
  })

  it('lets --port win over PORT', async () => {
    const running = await startServe(['--port', '0'], cleanEnv({ PORT: 'not-a-port' }))
    expect(running.port).toBeGreaterThan(0)
  })

  it('on SIGTERM closes clients with 1001 and a retry hint, then exits 0', async () => {
    const running = await startServe(['--port', '0'])
    const { socket } = await connectClient(running.port)
    const closed = once(socket, 'close') as Promise<[number, Buffer]>
    running.child.kill('SIGTERM')
    const [code, reason] = await closed
    expect(code).toBe(1001)
    expect(reason.toString('utf8')).toMatch(/\bretry=\d+ms\b/)
    expect(await exited(running.child)).toEqual({ code: 0, signal: null })
  })

  it('exits 1 with one clear line when the port is taken', async () => {
    const taken = portOf(await holdPort())
    const result = await runCli(['serve', '--port', String(taken)])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `hubbub: cannot listen on port ${taken}: address already in use (EADDRINUSE); pick another with --port\n`,
    )
  })

  it('runs with --memory, without touching the data directory', async () => {
    const plainFile = join(dataRoot, 'not-a-dir')
    writeFileSync(plainFile, 'x')
    const running = await startServe(
      ['--port', '0', '--memory'],
      cleanEnv({ HUBBUB_DATA: plainFile }),
    )
    const { reply } = await connectClient(running.port)
    expect(reply).toMatchObject({ type: 'reply', id: 1 })
  })

  it('keeps anonymous people who they are across restarts: the secret lives in the data directory', async () => {
    const env = cleanEnv()
    const first = await startServe(['--port', '0'], env)
    const { reply } = await connectClient(first.port)
    const { user, credential } = (reply as { result: { user: string; credential: string } }).result
    first.child.kill('SIGTERM')
    await exited(first.child)
    const secretFile = join(String(env.HUBBUB_DATA), 'secret')
    expect(statSync(secretFile).mode & 0o777).toBe(0o600)
    const secret = readFileSync(secretFile, 'utf8').trim()
    expect(secret.length).toBeGreaterThanOrEqual(32)

    const again = await startServe(['--port', '0'], env)
    const back = await connectClient(again.port, credential)
    expect(back.reply).toMatchObject({ result: { user } })
    again.child.kill('SIGTERM')
    await exited(again.child)
    // The secret never reaches the logs, even at the most verbose level.
    const verbose = await startServe(['--port', '0', '--log-level', 'trace'], env)
    await connectClient(verbose.port, credential)
    verbose.child.kill('SIGTERM')
    await exited(verbose.child)
    expect(verbose.stderr()).not.toContain(secret)
    expect(verbose.stderr()).not.toContain(credential)

    // --memory forgets, unless --secret (or HUBBUB_SECRET) says which secret to use.
    const memory = await startServe(['--port', '0', '--memory'], env)
    expect((await connectClient(memory.port, credential)).reply).not.toMatchObject({
      result: { user },
    })
    const given = await startServe(['--port', '0', '--memory'], cleanEnv({ HUBBUB_SECRET: secret }))
    expect((await connectClient(given.port, credential)).reply).toMatchObject({ result: { user } })
  })

  it('refuses a --secret or HUBBUB_SECRET shorter than 32 characters, exit 2', async () => {
    const flag = await runCli(['serve', '--memory', '--secret', 'short'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/--secret must be at least 32 characters/)
    const fromEnv = await runCli(['serve', '--memory'], cleanEnv({ HUBBUB_SECRET: 'short' }))
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.stderr).toMatch(/HUBBUB_SECRET must be at least 32 characters/)
  })

  it('exits 1 with one clear line when the data directory cannot be used', async () => {
    const plainFile = join(dataRoot, 'plain-file')
    writeFileSync(plainFile, 'x')
    const dataDir = join(plainFile, 'sub')
    const result = await runCli(['serve', '--port', '0', '--data', dataDir])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `hubbub: cannot open ${join(dataDir, 'hubbub.db')}: cannot create its directory ${dataDir}: a part of the path is not a directory (ENOTDIR); fix the path or its permissions or start with --data <another dir>\n`,
    )
  })
})

describe('hubbub usage', () => {
  it.each([
    [['serve', '--bogus'], /unknown option '--bogus'.*'hubbub serve --help'/],
    [['serve', '--port', 'abc'], /invalid --port "abc".*'hubbub serve --help'/],
    [['serve', '--port', '70000'], /invalid --port "70000".*'hubbub serve --help'/],
    [['serve', '--log-level', 'loud'], /invalid --log-level "loud".*'hubbub serve --help'/],
    [['serve', 'extra'], /unexpected argument 'extra'.*'hubbub serve --help'/],
    [['serve', '--memory', '--data', 'x'], /--data and --memory exclude each other.*--help/],
    [['frobnicate'], /unknown command "frobnicate".*'hubbub --help'/],
    [['--bogus'], /unknown option '--bogus'.*'hubbub --help'/],
  ])('%j exits 2 with one line on stderr', async (args, message) => {
    const result = await runCli(args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^hubbub: [^\n]+\n$/)
    expect(result.stderr).toMatch(message)
  })

  it('rejects a bad PORT with exit 2', async () => {
    const result = await runCli(['serve'], cleanEnv({ PORT: '8x' }))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^hubbub: invalid PORT "8x"[^\n]*--help[^\n]*\n$/)
  })

  it.each([[['--help']], [['-h']], [['serve', '--help']]])(
    '%j prints usage with examples and exits 0',
    async (args) => {
      const result = await runCli(args)
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('')
      expect(result.stdout).toMatch(/^Usage: hubbub /)
      expect(result.stdout).toContain('Examples:')
      expect(result.stdout).toContain('hubbub serve')
    },
  )

  it('prints the package version', async () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    const result = await runCli(['--version'])
    expect(result).toMatchObject({ code: 0, stdout: `${manifest.version}\n`, stderr: '' })
  })
})
