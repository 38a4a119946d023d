/**
 * Connection capacity: can one `hubbub serve --memory` hold N connections (20,000 by default)?
 *
 *   npm run bench -- --connections 20000 [--hold 30s] [--ping-interval 5000] [--generators 2]
 *
 * The server is a child process on 127.0.0.1 started with `--max-connections` above N and a short
 * `--ping-interval`, so that several heartbeat rounds happen during the hold. Generator processes
 * (bench/connections-generator.js) open the connections from 127.1.0.1, 127.1.0.2, … (900 per
 * source address: under the default 1,000 per IP, which stays in force), each `connect` then
 * `subscribe` to channel `conns`, answering every `ping`. Then: hold for `--hold`, watching the
 * server's RSS and every connection's pings; publish 5 messages from one more connection and check
 * that every connection got all 5, once and in order. Reports the setup rate, the server's RSS
 * (idle, after setup, after the hold) and its bytes per connection, CPU during the hold, pings per
 * connection, and every error and close (there must be none). Exits 1 on any, 2 on a bad command
 * line.
 *
 * Open files: the server needs one descriptor per connection plus a few. When the soft limit is
 * too low it is raised for the server (`prlimit --nofile`, up to the hard limit; above the hard
 * limit only with CAP_SYS_RESOURCE); when even that cannot cover N, the run says so up front and
 * goes on, to show what happens at the limit (connections past it are accepted and dropped by
 * libuv: setup failures).
 */
import { fork, spawnSync } from 'node:child_process'
import { writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, URL } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { startProcess } from './server-process.js'
import { procCpuSeconds, procMemory } from './support.js'
import { parseDuration } from './soak.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const GENERATOR = fileURLToPath(new URL('connections-generator.js', import.meta.url))
const CHANNEL = 'conns'
const PER_ADDRESS = 900
const PUBLICATIONS = 5
/** Descriptors the server uses besides its connections: stdio, epoll, the listener, libuv, … */
const SERVER_FD_RESERVE = 64
const GENERATOR_FD_RESERVE = 100
const OPEN_WIDTH = 100 // connection setups in flight per generator

const usage = `usage: npm run bench -- --connections N [--hold 30s] [--ping-interval MS] [--generators G]`

const parseOptions = (argv) => {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      connections: { type: 'string', default: '20000' },
      hold: { type: 'string', default: '30s' },
      'ping-interval': { type: 'string', default: '5000' },
      generators: { type: 'string' },
    },
  })
  const whole = (name, min, max) => {
    const value = Number(values[name])
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}`)
    return value
  }
  const holdMs = parseDuration(values.hold)
  if (!(holdMs >= 1_000 && holdMs <= 3_600_000))
    throw new Error('--hold must be a duration from 1s to 1h, e.g. 30s or 2m')
  return {
    connections: whole('connections', 1, 200_000),
    holdMs,
    pingIntervalMs: whole('ping-interval', 1_000, 600_000),
    generators: values.generators === undefined ? undefined : whole('generators', 1, 16),
  }
}

/** The open files limits (soft, hard) processes started from here inherit. */
const fileLimits = () => {
  const out = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout
  const [soft, hard] = out
    .trim()
    .split('\n')
    .map((line) => (line.trim() === 'unlimited' ? Infinity : Number(line)))
  return { soft, hard }
}

/** Whether `prlimit --nofile=n:n` can run a command here (raising the hard limit needs root). */
const canPrlimit = (n) =>
  spawnSync('prlimit', [`--nofile=${n}:${n}`, 'true'], { stdio: 'ignore' }).status === 0

/**
 * How to start the server so that it may open `need` files: `{ wrapper, limit, note }`. The
 * wrapper is a command prefix (`prlimit …`), empty when the inherited limit is enough.
 */
const planServerFiles = (need) => {
  const { soft, hard } = fileLimits()
  if (soft >= need) return { wrapper: [], limit: soft }
  const wanted = Math.max(need, 65_536)
  if (canPrlimit(wanted))
    return { wrapper: ['prlimit', `--nofile=${wanted}:${wanted}`], limit: wanted }
  if (hard >= need && canPrlimit(hard))
    return { wrapper: ['prlimit', `--nofile=${hard}:${hard}`], limit: hard }
  const limit = hard === Infinity ? soft : hard
  const wrapper = limit > soft && canPrlimit(limit) ? ['prlimit', `--nofile=${limit}:${limit}`] : []
  return {
    wrapper,
    limit,
    note:
      `the server needs ~${need} open files but the hard limit is ${hard} and cannot be raised ` +
      'here (raising it needs CAP_SYS_RESOURCE): at most ' +
      `~${limit - SERVER_FD_RESERVE} connections can be held; the rest will fail`,
  }
}

/** A forked generator with `request(cmd, fields)` resolving with its answer to `cmd`. */
const startGenerator = (index, onEvent) => {
  const child = fork(GENERATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiting = new Map() // cmd → { resolve, reject }
  child.on('message', (message) => {
    if (message.re !== undefined) {
      waiting.get(message.re)?.resolve(message)
      waiting.delete(message.re)
    } else onEvent(index, message)
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  void exited.then((code) => {
    for (const { reject } of waiting.values())
      reject(new Error(`generator ${index} exited (${code})`))
    waiting.clear()
  })
  return {
    child,
    exited,
    request: (cmd, fields = {}) =>
      new Promise((resolve, reject) => {
        if (!child.connected) {
          reject(new Error(`generator ${index} is gone`))
          return
        }
        waiting.set(cmd, { resolve, reject })
        child.send({ cmd, ...fields })
      }),
  }
}

/**
 * A raw `hubbub.v1` connection from 127.0.0.1 that publishes, and reads `sys:metrics` into
 * `metrics`; resolves once connected.
 */
const openPublisher = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'hubbub.v1', { localAddress: '127.0.0.1' })
    const waiters = new Map()
    let nextId = 1
    const request = (frame) =>
      new Promise((done, fail) => {
        const id = nextId++
        waiters.set(id, (reply) => (reply.error ? fail(new Error(reply.error.code)) : done(reply)))
        ws.send(JSON.stringify({ ...frame, id }))
      })
    const metrics = { heapMiB: Number.NaN, connections: Number.NaN }
    ws.on('message', (buf) => {
      const frame = JSON.parse(buf.toString())
      if (frame.type === 'ping') ws.send('{"type":"pong"}')
      else if (frame.type === 'reply') waiters.get(frame.id)?.(frame)
      else if (frame.type === 'pub' && frame.channel === 'sys:metrics') {
        metrics.heapMiB = Math.round((frame.pub.data.heapUsedBytes / 1_048_576) * 10) / 10
        metrics.connections = frame.pub.data.connections
      }
    })
    ws.once('open', () =>
      request({ type: 'connect', name: 'publisher' })
        // The server's own heap and connection count, each second.
        .then(() => request({ type: 'subscribe', channel: 'sys:metrics' }))
        .then(() => resolve({ ws, request, metrics }), reject),
    )
    ws.once('error', reject)
  })

const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits
const n = (x) => Math.round(x).toLocaleString('en-US')

/**
 * Runs the connection capacity test with the command line `argv` (e.g. `['--connections',
 * '20000']`). Resolves with the exit code (0 held, 1 not, 2 bad command line), also set as
 * `process.exitCode`.
 */
export const runConnections = async ({ argv }) => {
  let options
  try {
    options = parseOptions(argv)
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n${usage}\n`)
    return (process.exitCode = 2)
  }
  const generators = []
  let server
  let watchdog
  let sampler
  const cleanup = async () => {
    clearTimeout(watchdog)
    clearInterval(sampler)
    for (const g of generators) if (g.child.connected) g.child.disconnect()
    await Promise.race([Promise.all(generators.map((g) => g.exited)), sleep(5_000)])
    for (const g of generators) if (g.child.exitCode === null) g.child.kill('SIGKILL')
    await server?.stop()
  }
  const onSignal = () => {
    process.stderr.write('bench: interrupted\n')
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return (process.exitCode = await run(options, generators, (s) => (server = s), {
      setWatchdog: (timer) => (watchdog = timer),
      setSampler: (interval) => (sampler = interval),
    }))
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`)
    if (server !== undefined && !server.isRunning())
      process.stderr.write(
        `bench: the server died; its stderr ends with:\n${server.stderrTail()}\n`,
      )
    return (process.exitCode = 1)
  } finally {
    await cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

const run = async (options, generators, setServer, { setWatchdog, setSampler }) => {
  const { connections: N, holdMs, pingIntervalMs } = options
  const log = (line) => process.stdout.write(`${line}\n`)
  const machine = {
    date: new Date().toISOString(),
    cpu: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    node: process.version,
    load: os.loadavg().map((x) => round(x, 2)),
  }
  const files = planServerFiles(N + SERVER_FD_RESERVE)
  const { soft } = fileLimits()
  const G = options.generators ?? Math.max(2, Math.ceil(N / (soft - GENERATOR_FD_RESERVE)))
  const addresses = Array.from(
    { length: Math.ceil(N / PER_ADDRESS) },
    (_, a) => `127.1.${a >> 8}.${(a & 255) + 1}`,
  )
  log(
    `hubbub connections: ${n(N)} from ${addresses.length} addresses (${PER_ADDRESS} each) over ` +
      `${G} generator processes; hold ${holdMs / 1_000} s, ping every ${pingIntervalMs} ms`,
  )
  log(
    `${machine.cpu}, node ${machine.node}, load ${machine.load.join(' ')}; server open files ` +
      `limit ${files.limit}${files.wrapper.length > 0 ? ` (via ${files.wrapper.join(' ')})` : ''}`,
  )
  if (files.note !== undefined) log(`WARNING: ${files.note}`)
  const budgetMs = 120_000 + N * 10 + holdMs
  const watchdogFired = new Promise((_, reject) => {
    setWatchdog(setTimeout(() => reject(new Error(`not done within ${budgetMs} ms`)), budgetMs))
  })
  const withWatchdog = (promise) => Promise.race([promise, watchdogFired])

  const serveArgs = [
    ...['--max-connections', String(N + 100)],
    ...['--ping-interval', String(pingIntervalMs)],
  ]
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const serve = ['dist/cli/main.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--memory']
  const [command, ...prefix] = [...files.wrapper, process.execPath]
  const server = await startProcess({
    command,
    args: [...prefix, ...nodeArgs, ...serve, ...serveArgs],
    cwd: root,
    readyPattern: /listening on http:\/\/\S+:(\d+)/,
  })
  setServer(server)
  const url = `ws://127.0.0.1:${server.port}/`
  await sleep(500)
  const idle = procMemory(server.pid)

  // The publisher connects first: at the open files limit a later one could not.
  const publisher = await withWatchdog(openPublisher(url))

  const events = { closes: {}, count: 0 }
  const onEvent = (index, message) => {
    if (message.event === 'close') {
      events.count += 1
      events.closes[message.code] = (events.closes[message.code] ?? 0) + 1
      if (events.count <= 5) log(`  a connection of generator ${index} was closed ${message.code}`)
    }
  }
  for (let i = 0; i < G; i++) generators.push(startGenerator(i, onEvent))

  // Setup: each generator opens its share, OPEN_WIDTH at a time.
  const setupStarted = performance.now()
  const share = Math.ceil(N / G)
  const progress = setInterval(() => {
    const rss = procMemory(server.pid).rssMiB
    log(
      `  setting up… ${round((performance.now() - setupStarted) / 1_000)} s, server RSS ${rss} MiB`,
    )
  }, 5_000)
  let opened
  try {
    opened = await withWatchdog(
      Promise.all(
        generators.map((g, i) =>
          g.request('open', {
            url,
            first: i * share,
            count: Math.max(0, Math.min(share, N - i * share)),
            width: OPEN_WIDTH,
            channel: CHANNEL,
            addresses,
            perAddress: PER_ADDRESS,
          }),
        ),
      ),
    )
  } finally {
    clearInterval(progress)
  }
  const setupSeconds = (performance.now() - setupStarted) / 1_000
  const openedCount = opened.reduce((sum, o) => sum + o.opened, 0)
  const setupFailed = opened.reduce((sum, o) => sum + o.failed, 0)
  await sleep(1_000)
  const afterSetup = procMemory(server.pid)
  const heapAfterSetup = publisher.metrics.heapMiB
  log(
    `setup: ${n(openedCount)} connected and subscribed in ${round(setupSeconds)} s ` +
      `(${n(openedCount / setupSeconds)}/s), ${setupFailed} failed; server RSS ` +
      `${afterSetup.rssMiB} MiB (idle ${idle.rssMiB} MiB)`,
  )

  // Hold, with heartbeats running.
  const holdStarted = performance.now()
  const cpuAtHold = procCpuSeconds(server.pid)
  const rssDuringHold = []
  setSampler(
    setInterval(() => {
      try {
        rssDuringHold.push(procMemory(server.pid).rssMiB)
      } catch {
        // gone: reported below
      }
    }, 1_000),
  )
  const statsBefore = await Promise.all(generators.map((g) => g.request('stats')))
  const pingsBefore = statsBefore.reduce((sum, s) => sum + s.pingsSum, 0)
  for (let left = holdMs; left > 0 && server.isRunning(); left -= 10_000) {
    await withWatchdog(sleep(Math.min(left, 10_000)))
    const stats = await Promise.all(generators.map((g) => g.request('stats')))
    const open = stats.reduce((sum, s) => sum + s.open, 0)
    const pings = stats.reduce((sum, s) => sum + s.pingsSum, 0) - pingsBefore
    log(
      `  hold ${round((performance.now() - holdStarted) / 1_000, 0)} s: ${n(open)} open, ` +
        `${n(pings)} pings answered, server RSS ${rssDuringHold.at(-1)} MiB, heap ` +
        `${publisher.metrics.heapMiB} MiB`,
    )
  }
  const holdSeconds = (performance.now() - holdStarted) / 1_000
  const holdCpuPct = round(((procCpuSeconds(server.pid) - cpuAtHold) / holdSeconds) * 100)
  const afterHold = procMemory(server.pid)
  const heapAfterHold = publisher.metrics.heapMiB
  const held = await Promise.all(generators.map((g) => g.request('stats')))

  // Publish and check that everyone got everything.
  let lastSeq = 0
  const publishStarted = performance.now()
  for (let i = 0; i < PUBLICATIONS; i++) {
    const reply = await publisher.request({
      type: 'publish',
      channel: CHANNEL,
      data: { i, text: `message ${i}` },
    })
    lastSeq = reply.result.seq
    await sleep(100)
  }
  const checks = await withWatchdog(
    Promise.all(
      generators.map((g) =>
        g.request('check', { count: PUBLICATIONS, lastSeq, timeoutMs: 30_000 }),
      ),
    ),
  )
  const deliverSeconds = (performance.now() - publishStarted) / 1_000
  publisher.ws.terminate()
  const final = await Promise.all(generators.map((g) => g.request('stats')))
  await Promise.all(generators.map((g) => g.request('close')))

  const sum = (list, key) => list.reduce((total, item) => total + item[key], 0)
  const mergeCounts = (list, key) => {
    const merged = {}
    for (const item of list)
      for (const [k, v] of Object.entries(item[key])) merged[k] = (merged[k] ?? 0) + v
    return merged
  }
  const holdPings = sum(held, 'pingsSum') - pingsBefore
  const result = {
    machine,
    config: { connections: N, generators: G, holdMs, pingIntervalMs, perAddress: PER_ADDRESS },
    serverOpenFiles: files.limit,
    setup: {
      opened: openedCount,
      failed: setupFailed,
      failures: mergeCounts(final, 'failures'),
      seconds: round(setupSeconds),
      perSecond: Math.round(openedCount / setupSeconds),
    },
    memory: {
      idleMiB: idle.rssMiB,
      afterSetupMiB: afterSetup.rssMiB,
      afterHoldMiB: afterHold.rssMiB,
      heapAfterSetupMiB: heapAfterSetup,
      heapAfterHoldMiB: heapAfterHold,
      peakMiB: afterHold.peakMiB,
      holdMinMiB: Math.min(...rssDuringHold),
      holdMaxMiB: Math.max(...rssDuringHold),
      bytesPerConnection:
        openedCount > 0
          ? Math.round(((afterSetup.rssMiB - idle.rssMiB) * 1_048_576) / openedCount)
          : 0,
      generatorsMiB: round(sum(final, 'rssMiB'), 0),
    },
    hold: {
      seconds: round(holdSeconds),
      serverCpuPct: holdCpuPct,
      pingsPerConnection: {
        expected: Math.floor(holdSeconds / (pingIntervalMs / 1_000)),
        mean: round(holdPings / Math.max(1, openedCount)),
        // Over the whole life of each connection (setup and check included).
        min: Math.min(...final.map((s) => s.pingsMin)),
        max: Math.max(...final.map((s) => s.pingsMax)),
      },
      openAtEnd: sum(held, 'open'),
    },
    delivery: {
      publications: PUBLICATIONS,
      seconds: round(deliverSeconds, 2),
      incomplete: sum(checks, 'incomplete'),
      missing: sum(checks, 'missing'),
      gaps: sum(final, 'gaps'),
      dups: sum(final, 'dups'),
    },
    errors: {
      closes: mergeCounts(final, 'closes'),
      badFrames: sum(final, 'badFrames'),
      serverAlive: server.isRunning(),
    },
  }
  const closes = Object.values(result.errors.closes).reduce((a, b) => a + b, 0)
  const problems = [
    openedCount < N ? `${N - openedCount} of ${N} could not connect` : '',
    closes > 0 ? `${closes} closed during the run ${JSON.stringify(result.errors.closes)}` : '',
    result.delivery.incomplete > 0
      ? `${result.delivery.incomplete} connections missed ${result.delivery.missing} publications`
      : '',
    result.delivery.gaps + result.delivery.dups > 0 ? 'gaps or duplicates' : '',
    result.errors.badFrames > 0 ? `${result.errors.badFrames} unexpected frames` : '',
    result.errors.serverAlive ? '' : 'the server died',
  ].filter(Boolean)
  result.held = problems.length === 0
  result.problems = problems

  const { memory, hold, delivery } = result
  log(
    `hold: ${hold.seconds} s, ${n(hold.openAtEnd)} open at the end; server CPU ${hold.serverCpuPct} ` +
      `% of one core; pings per connection ${hold.pingsPerConnection.mean} (expected ` +
      `~${hold.pingsPerConnection.expected}), lifetime min ${hold.pingsPerConnection.min} max ` +
      `${hold.pingsPerConnection.max}`,
  )
  log(
    `server RSS: idle ${memory.idleMiB} MiB, ${memory.afterSetupMiB} MiB with ${n(openedCount)} ` +
      `connections (~${n(memory.bytesPerConnection)} bytes each), ${memory.holdMinMiB}-` +
      `${memory.holdMaxMiB} MiB during the hold, peak ${memory.peakMiB} MiB; heap ` +
      `${memory.heapAfterSetupMiB} MiB after setup, ${memory.heapAfterHoldMiB} MiB after the ` +
      'hold; generators ' +
      `${memory.generatorsMiB} MiB`,
  )
  log(
    `delivery: ${PUBLICATIONS} publications to ${n(openedCount)} subscribers in ` +
      `${delivery.seconds} s: ${delivery.incomplete} incomplete, ${delivery.missing} missing, ` +
      `${delivery.gaps} gaps, ${delivery.dups} duplicates`,
  )
  if (setupFailed > 0) log(`setup failures: ${JSON.stringify(result.setup.failures)}`)
  if (!result.errors.serverAlive) log(`server stderr:\n${server.stderrTail()}`)
  const name = `connections-${machine.date.replace(/[:.]/g, '-')}.json`
  const file = new URL(`results/${name}`, import.meta.url)
  mkdirSync(new URL('.', file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  log(`written to ${fileURLToPath(file)}`)
  log(result.held ? `held: yes` : `held: NO (${problems.join('; ')})`)
  return result.held ? 0 : 1
}
