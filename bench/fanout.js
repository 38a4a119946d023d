/**
 * Fan-out benchmark: S subscribers on one channel; publishes in a closed loop (at most W in
 * flight) for D seconds after a 1 s warm-up, then 200 publishes/s for 5 s. The server is a child
 * process (`hubbub serve --memory` on 127.0.0.1); this process is the load generator, so on a small
 * machine both compete for the cores: read the CPU columns before the throughput. "other CPU" is
 * the machine's busy time outside the two (loopback interrupts, and whatever else runs: past ~40 %
 * the figures are skewed and the report says so).
 *
 *   npm run bench -- [--quick] [--subscribers S] [--window W] [--seconds D] [--publishers P]
 *
 * The server allows 100 frames/s per connection (burst 200), which `hubbub serve` cannot raise, so
 * the publishes go round-robin over P connections, each paced below that here; the result says
 * when that pacing, not the server, was the limit. Connections are spread over 127.0.0.2… source
 * addresses to stay under the 1,000 per IP limit. With P ≥ W, as by default, each publisher has at
 * most one publish in flight, so the server reads every publish on its own (no batching).
 * Results go to bench/results/fanout-<date>.json. BENCH_SERVER_NODE_ARGS passes node flags to the
 * server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { clearTimeout, setTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, URL } from 'node:url'
import { parseArgs } from 'node:util'
import { open, pool, readPub, request, sockets } from './client.js'
import { writeResult } from './report.js'
import { Histogram, machineCpuSeconds, procCpuSeconds, procMemory, startServer } from './support.js'

const usageError = (message) => {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}
const options = {
  quick: { type: 'boolean', default: false },
  subscribers: { type: 'string' },
  window: { type: 'string' },
  seconds: { type: 'string' },
  publishers: { type: 'string' },
}
let args = {}
try {
  args = parseArgs({ options }).values
} catch (err) {
  usageError(err.message)
}
const positive = (name, fallback) => {
  const value = args[name] === undefined ? fallback : Number(args[name])
  if (!Number.isInteger(value) || value < 1) usageError(`--${name} must be an integer ≥ 1`)
  return value
}
const S = positive('subscribers', args.quick ? 200 : 1_000)
const W = positive('window', 20)
const D = positive('seconds', args.quick ? 3 : 10)
const PACE = 90 // publishes/s per publisher connection; the server refuses past 100/s (burst 200)
const BURST = 20
// Enough publishers that their pacing allows ~2M deliveries/s, far past what the server does.
const P = positive('publishers', Math.min(200, Math.max(4, Math.ceil(2e6 / S / PACE))))
const ADDRESSES = Math.ceil((S + P) / 900) // source addresses, each under the per-IP limit
const FIXED_RATE = 200
const FIXED_SECONDS = 5
const WARMUP_MS = 1_000
const PAD = 'x'.repeat(72) // data {"t":<ms>,"pad":"x…"} is ~100 bytes
const root = fileURLToPath(new URL('..', import.meta.url))

const publishers = []
const stats = { sent: 0, acked: 0, delivered: 0, gaps: 0, dups: 0, frameBytes: 0 }
const errors = {} // reply error codes, `unsubscribed` events, unexpected closes
const count = (key) => (errors[key] = (errors[key] ?? 0) + 1)
let inflight = 0
let afterAck = () => undefined
let hist // the running phase's latencies
let server
let isClosing = false

const pub = { seq: 0, t: 0 }
/** The hot path: one delivery to one subscriber. */
const onPub = (client, buf) => {
  const now = performance.now()
  readPub(buf, pub)
  stats.delivered += 1
  stats.frameBytes ||= buf.length
  if (pub.seq > client.lastSeq + 1) stats.gaps += pub.seq - client.lastSeq - 1
  else if (pub.seq <= client.lastSeq) stats.dups += 1
  client.lastSeq = pub.seq
  hist?.record(now - pub.t)
}

const onPublishReply = (frame) => {
  inflight -= 1
  if (frame.error === undefined) stats.acked += 1
  else count(`reply ${frame.error.code}`)
  afterAck()
}

const handlers = (role) => ({
  pub: onPub,
  frame: (_client, frame) => {
    if (frame.type === 'reply') onPublishReply(frame)
    else count(`frame ${frame.type}`)
  },
  close: (_client, code) => {
    if (isClosing) return
    count(`close ${code} (${role})`)
    if (role === 'publisher') abort(new Error(`a publisher was closed with ${code}`))
  },
})
/** Opens connection i from 127.0.0.<2 + i % ADDRESSES> and sends `connect`. */
const connect = async (url, i, role) => {
  const client = await open(url, `127.0.0.${2 + (i % ADDRESSES)}`, handlers(role))
  await request(client, { type: 'connect', id: 1, name: role === 'publisher' ? 'p' : 'b' })
  return Object.assign(client, { tokens: BURST, at: 0, nextId: 2 })
}

let turn = 0
/** The next publisher (round-robin) with a token left under its pace, if any. */
const takePublisher = () => {
  const now = performance.now()
  for (let tries = 0; tries < P; tries++, turn = (turn + 1) % P) {
    const p = publishers[turn]
    p.tokens = Math.min(BURST, p.tokens + ((now - p.at) * PACE) / 1_000)
    p.at = now
    if (p.tokens < 1) continue
    p.tokens -= 1
    turn = (turn + 1) % P
    return p
  }
  return undefined
}
const publish = (p) => {
  inflight += 1
  stats.sent += 1
  const data = `{"t":${performance.now()},"pad":"${PAD}"}`
  p.ws.send(`{"type":"publish","id":${p.nextId++},"channel":"bench","data":${data}}`)
}

const mark = () => ({
  at: performance.now(),
  ...stats,
  serverCpu: procCpuSeconds(server.pid),
  cpu: process.cpuUsage(),
  machineCpu: machineCpuSeconds(),
})
const measure = (m) => {
  const seconds = (performance.now() - m.at) / 1_000
  const { user, system } = process.cpuUsage(m.cpu)
  const serverCpu = procCpuSeconds(server.pid) - m.serverCpu // with its threads
  const pct = (cpuSeconds) => Math.round((cpuSeconds / seconds) * 100)
  return {
    seconds: Math.round(seconds * 100) / 100,
    publishesPerSec: Math.round((stats.acked - m.acked) / seconds),
    deliveriesPerSec: Math.round((stats.delivered - m.delivered) / seconds),
    serverCpuPct: pct(serverCpu),
    generatorCpuPct: pct((user + system) / 1e6),
    // The machine's busy time but the two processes': network interrupts not charged to them
    // (~5-30 % here), and other processes, which skew the figures.
    otherCpuPct: pct(machineCpuSeconds() - m.machineCpu - serverCpu - (user + system) / 1e6),
  }
}
/** Waits (5 s at most) until every acknowledged publication reached every subscriber. */
const drain = async () => {
  const deadline = performance.now() + 5_000
  while ((inflight > 0 || stats.delivered < stats.acked * S) && performance.now() < deadline)
    await sleep(10)
  return stats.acked * S - stats.delivered
}

const saturation = async () => {
  let isRunning = true
  let retry
  let stalls = 0
  const pump = () => {
    retry = undefined
    while (isRunning && inflight < W) {
      const p = takePublisher()
      if (p === undefined) {
        stalls += 1 // every publisher is at its pace: try again in 1 ms
        retry ??= setTimeout(pump, 1)
        return
      }
      publish(p)
    }
  }
  afterAck = pump
  pump()
  await sleep(WARMUP_MS)
  hist = new Histogram()
  const m = mark()
  const perSecond = []
  for (let second = 0, last = m; second < D; second++, last = mark()) {
    await sleep(1_000)
    perSecond.push(measure(last).deliveriesPerSec)
  }
  const result = measure(m)
  isRunning = false
  clearTimeout(retry)
  const missing = await drain()
  const paceBound = result.publishesPerSec >= 0.85 * P * PACE
  return { ...result, perSecond, latency: hist.summary(), missing, pacingStalls: stalls, paceBound }
}

const fixedRate = async () => {
  const total = FIXED_RATE * FIXED_SECONDS
  const intervalMs = 1_000 / FIXED_RATE
  afterAck = () => undefined
  hist = new Histogram()
  const m = mark()
  let sent = 0
  let maxSendLagMs = 0
  while (sent < total) {
    const elapsed = performance.now() - m.at
    for (let p; sent < total && sent * intervalMs <= elapsed && (p = takePublisher()); sent++) {
      maxSendLagMs = Math.max(maxSendLagMs, elapsed - sent * intervalMs)
      publish(p)
    }
    await sleep(1)
  }
  const result = measure(m)
  // Held: sent on time, and by the last send the subscribers had (nearly) all of it, no backlog.
  const deliveredPct = Math.round(((stats.delivered - m.delivered) / (total * S)) * 1_000) / 10
  const missing = await drain()
  const sentPerSec = Math.round((total / result.seconds) * 10) / 10
  const isComplete = missing === 0 && stats.acked - m.acked === total
  const held = sentPerSec >= 0.99 * FIXED_RATE && deliveredPct >= 99 && isComplete
  maxSendLagMs = Math.round(maxSendLagMs * 10) / 10
  const latency = hist.summary()
  return { ...result, sentPerSec, maxSendLagMs, deliveredPct, latency, missing, held }
}

const cleanup = async () => {
  isClosing = true
  for (const ws of sockets) ws.terminate()
  await server?.stop()
}
const abort = (err) => {
  if (isClosing) return
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`)
  void cleanup().finally(() => process.exit(1))
}
process.once('SIGINT', () => abort(new Error('interrupted')))
process.once('SIGTERM', () => abort(new Error('terminated')))

const main = async () => {
  // Other work on the machine skews every figure: the load average says how busy it was.
  const load = os.loadavg().map((x) => Math.round(x * 100) / 100)
  const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`
  const machine = { date: new Date().toISOString(), cpu, node: process.version, load }
  const budgetMs = 60_000 + S * 20 + (D + FIXED_SECONDS + 20) * 1_000
  const watchdog = setTimeout(() => abort(new Error(`not done within ${budgetMs} ms`)), budgetMs)
  server = await startServer(root)
  const url = `ws://127.0.0.1:${server.port}/`
  const idle = procMemory(server.pid)
  await pool(S, 100, async (i) => {
    const client = await connect(url, i, 'subscriber')
    client.lastSeq = (await request(client, { type: 'subscribe', id: 2, channel: 'bench' })).seq
  })
  const subscribed = procMemory(server.pid)
  await pool(P, 20, async (i) => publishers.push(await connect(url, S + i, 'publisher')))
  const sat = await saturation()
  const afterLoad = procMemory(server.pid)
  const fixed = await fixedRate()
  clearTimeout(watchdog)
  const memory = {
    idleMiB: idle.rssMiB,
    subscribedMiB: subscribed.rssMiB,
    kibPerSubscriber: Math.round(((subscribed.rssMiB - idle.rssMiB) * 1024) / S),
    afterLoadMiB: afterLoad.rssMiB,
    peakMiB: afterLoad.peakMiB,
  }
  const { gaps, dups, frameBytes } = stats
  const config = { subscribers: S, publishers: P, window: W, seconds: D, paceEach: PACE }
  const fixedConfig = { rate: FIXED_RATE, seconds: FIXED_SECONDS }
  const integrity = { frameBytes, gaps, dups, missing: fixed.missing, errors }
  const result = { machine, config, saturation: sat, fixedConfig, fixed, memory, integrity }
  const name = `fanout-${machine.date.replace(/[:.]/g, '-')}${args.quick ? '-quick' : ''}.json`
  writeResult(new URL(`results/${name}`, import.meta.url), result)
}

main().then(async () => {
  await cleanup()
  process.exit(0)
}, abort)
