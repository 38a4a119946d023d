/**
 * `hubbub bench <url>`: the hubbub figures of `npm run bench` (same code, same method: see
 * docs/performance.md) against a server that is already running, yours, anywhere: connection
 * setup rate, deliveries per second in the closed loop, latency at 50, 100 and 200 messages/s. It
 * cannot read a remote server's /proc: the server's CPU and memory come from its `sys:metrics`
 * channel when it runs the metrics app (`hubbub serve` does), and are left out otherwise.
 *
 * The load goes to the channel `bench` with the server's channel options for it. A server limits
 * connections per IP address (1,000 by default): subscribers plus publishers must stay under that
 * unless the URL is a loopback address, where connections are spread over 127.0.0.2, 127.0.0.3, ….
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { cpuMark, cpuSince } from './cpu.js'
import { fixedRate } from './fixed-rate.js'
import { createPacer } from './pacer.js'
import { pool } from './pool.js'
import { createSink } from './run.js'
import { saturation } from './saturation.js'
import { payload } from './scan.js'
import { hubbub } from './targets/hubbub.js'

const PER_ADDRESS = 900
const PACE_EACH = 90 // publishes/s per publisher connection; hubbub refuses past 100/s (burst 200)
const RATES = [50, 100, 200]

/** Defaults of {@link runRemote}'s settings. */
export const remoteDefaults = {
  subscribers: 500,
  seconds: 5,
  window: 20,
  rateSeconds: 4,
}

const isLoopback = (url) => ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname)

/**
 * Follows `sys:metrics` (one sample per node per second) over its own connection, for the
 * server's CPU and memory during each phase. Resolves once subscribed; `close()` ends it.
 */
const watchMetrics = (url) =>
  new Promise((resolve) => {
    const samples = []
    const ws = new WebSocket(url, 'hubbub.v1', { perMessageDeflate: false })
    const give = () => resolve({ samples, close: () => ws.terminate() })
    ws.on('error', give) // no metrics: the figures are left out
    ws.on('open', () => {
      ws.send('{"type":"connect","id":1,"name":"bench metrics","batch":true}')
      ws.send('{"type":"subscribe","id":2,"channel":"sys:metrics"}')
    })
    ws.on('message', (data) => {
      for (const line of data.toString('utf8').split('\n')) {
        const frame = JSON.parse(line)
        if (frame.type === 'ping') ws.send('{"type":"pong"}')
        else if (frame.type === 'reply' && frame.id === 2) give()
        else if (frame.type === 'pub' && frame.channel === 'sys:metrics')
          samples.push(frame.pub.data)
      }
    })
  })

/** The server's CPU (% of one core, summed over nodes) and RSS between two `Date.now()`s. */
const serverFigures = (samples, fromMs, toMs) => {
  // A sample covers the second before it: the first second of a phase is the previous phase's.
  const inside = samples.filter((s) => s.time > fromMs + 1_000 && s.time <= toMs + 500)
  if (inside.length === 0) return { serverCpuPct: undefined, serverRssMiB: undefined, nodes: 0 }
  const byNode = new Map()
  for (const s of inside) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s])
  let cpu = 0
  let rss = 0
  for (const list of byNode.values()) {
    cpu += list.reduce((sum, s) => sum + s.cpuPercent, 0) / list.length
    rss += list.at(-1).rssBytes
  }
  return {
    serverCpuPct: Math.round(cpu),
    serverRssMiB: Math.round((rss / 2 ** 20) * 10) / 10,
    nodes: byNode.size,
  }
}

/**
 * Runs the phases against `url`; resolves with the result (and prints nothing: see
 * {@link remoteReport}). `onPhase(name)` follows the progress.
 */
export const runRemote = async (url, settings, onPhase = () => undefined) => {
  const { subscribers, seconds, window, rateSeconds } = { ...remoteDefaults, ...settings }
  const publishers = Math.min(200, Math.max(4, Math.ceil(2e6 / subscribers / PACE_EACH)))
  const addresses = isLoopback(url) ? Math.ceil((subscribers + publishers) / PER_ADDRESS) : 0
  const sink = createSink()
  const sockets = new Set()
  const server = { url, pid: undefined }
  const options = (i) => ({
    localAddress: addresses === 0 ? undefined : `127.0.0.${2 + (i % addresses)}`,
    sockets,
    sink,
  })
  const metrics = await watchMetrics(url)
  const phase = async (name, work) => {
    onPhase(name)
    const fromMs = Date.now()
    const result = await work()
    return { ...result, ...serverFigures(metrics.samples, fromMs, Date.now()) }
  }
  try {
    const setup = await phase('connect', async () => {
      const mark = cpuMark(undefined)
      const started = performance.now()
      await pool(subscribers, 100, (i) => hubbub.subscriber(server, options(i)))
      const perSec = Math.round(subscribers / ((performance.now() - started) / 1_000))
      return { connections: subscribers, perSec, ...cpuSince(undefined, mark) }
    })
    const senders = new Array(publishers)
    await pool(publishers, 20, async (i) => {
      senders[i] = await hubbub.publisher(server, options(subscribers + i))
    })
    const pace = createPacer(senders, PACE_EACH, 20)
    let index = 0
    const run = {
      server,
      sink,
      nextIndex: () => index,
      publish(flight) {
        const publisher = pace()
        if (publisher === undefined) return false
        index = flight.send() + 1
        publisher.send(payload(index - 1, performance.now(), 100))
        return true
      },
    }
    await sleep(1_000)
    const config = { subscribers, window, seconds, warmupMs: 1_000 }
    const closedLoop = await phase('closed loop', () =>
      saturation(run, { ...config, paceLimit: publishers * PACE_EACH }),
    )
    const rates = []
    for (const rate of RATES)
      rates.push(
        await phase(`${rate}/s`, () => fixedRate(run, { subscribers, rate, seconds: rateSeconds })),
      )
    const settingsUsed = { url, subscribers, publishers, window, seconds, rateSeconds }
    return { config: settingsUsed, setup, closedLoop, rates, errors: sink.counts, info: sink.info }
  } finally {
    sink.isClosing = true
    for (const ws of sockets) ws.terminate()
    metrics.close()
  }
}

const n = (x) =>
  x === undefined || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US')
const ms = (x) => x.toFixed(x < 10 ? 2 : 1)
const pct = (x) => (x === undefined || Number.isNaN(x) ? 'n/a' : `${x} %`)
const cols = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(14) : c.padStart(12))).join('')

/** The result as lines of text: a table and what went wrong, if anything. */
export const remoteReport = (result) => {
  const { config, setup, closedLoop, rates, errors, info } = result
  const row = (name, r, held) =>
    cols([
      name,
      n(r.deliveriesPerSec),
      ms(r.latency.p50Ms),
      ms(r.latency.p99Ms),
      ms(r.latency.maxMs),
      held,
      pct(r.serverCpuPct),
      pct(r.generatorCpuPct),
    ])
  const rssMiB = [setup, closedLoop, ...rates].map((r) => r.serverRssMiB).filter((x) => x)
  return [
    `hubbub bench ${config.url}: ${n(config.subscribers)} subscribers on channel bench, ` +
      `${config.publishers} publisher connections, window ${config.window}` +
      (info.batch ? ', batching on' : ', batching refused by the server'),
    `connection setup: ${n(setup.perSec)} connections/s (${n(setup.connections)}, 100 at a time)`,
    '',
    cols(['', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'held', 'server CPU', 'bench CPU']),
    row(`closed loop`, closedLoop, ''),
    ...rates.map((r) => row(`${r.rate}/s`, r, r.isHeld ? 'yes' : 'NO')),
    '',
    `messages per second in the closed loop: ${n(closedLoop.messagesPerSec)}` +
      (closedLoop.isPaceBound ? " (bound by the publishers' pacing)" : ''),
    rssMiB.length > 0
      ? `server RSS (sys:metrics): ${Math.min(...rssMiB)}-${Math.max(...rssMiB)} MiB`
      : 'server CPU and memory: n/a (no sys:metrics on this server)',
    `missing ${closedLoop.missing + rates.reduce((sum, r) => sum + r.missing, 0)}, ` +
      `errors and closes: ${JSON.stringify(errors)}`,
  ]
}
