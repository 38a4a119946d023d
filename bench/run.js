/**
 * One run of one target, on a fresh server: baseline memory, N idle subscribers (setup rate,
 * bytes per connection), then all but S of them leave and the S take the load: the closed loop
 * (deliveries per second at saturation), then each fixed rate (latency). The server is stopped
 * and its data directory removed whatever happens; the whole run is bounded by `budgetMs`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { clearTimeout, setTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixedRate } from './fixed-rate.js'
import { baseline, connectIdle } from './idle.js'
import { createPacer } from './pacer.js'
import { pool } from './pool.js'
import { saturation } from './saturation.js'
import { payload } from './scan.js'
import { partsOf } from './server-group.js'

const PER_ADDRESS = 900 // connections per source address: hubbub allows 1,000 per IP

/**
 * Where the adapters report: `deliver(i, t, now)` on the hot path (the phase's window and
 * histogram), `count(key, n)` anything unexpected, `closed(code)` a connection the server closed.
 */
export const createSink = () => {
  const sink = {
    window: undefined,
    hist: undefined,
    isClosing: false,
    /** What the target said of itself (hubbub: whether it accepted batching). */
    info: {},
    counts: {},
    deliver(i, t, now) {
      sink.window?.deliver(i)
      sink.hist?.record(now - t)
    },
    count(key, n = 1) {
      sink.counts[key] = (sink.counts[key] ?? 0) + n
    },
    closed(code) {
      if (!sink.isClosing) sink.count(`closed by the server (${code})`)
    },
  }
  return sink
}

/** Runs `target` with `config` (see config.js); `onPhase(phase, done, total)` follows it. */
export const runTarget = async (target, config, { root, onPhase }) => {
  const tmpDir = mkdtempSync(join(tmpdir(), `bench-${target.name}-`))
  const sink = createSink()
  const sockets = new Set()
  const addresses = Math.ceil((config.idle + config.publishers) / PER_ADDRESS)
  // `index` lets a target of several nodes spread the connections over them (targets/hubbub.js).
  const options = (i) => ({
    index: i,
    localAddress: `127.0.0.${2 + (i % addresses)}`,
    sockets,
    sink,
  })
  let server
  let timer
  const started = performance.now()
  const phases = async () => {
    onPhase('start')
    server = await target.start({ root, tmpDir })
    let index = 0
    let pace
    const run = {
      server,
      sink,
      subscriber: (i) => target.subscriber(server, options(i)),
      progress: (done, total) => onPhase('connect', done, total),
      nextIndex: () => index,
      /** Sends the next message of `flight`; false when every publisher is at its pace. */
      publish(flight) {
        const publisher = pace()
        if (publisher === undefined) return false
        index = flight.send() + 1
        publisher.send(payload(index - 1, performance.now(), config.payloadBytes))
        return true
      },
    }
    onPhase('baseline')
    const { baselineBytes } = await baseline(run, config.settleMs)
    onPhase('connect', 0, config.idle)
    const idle = await connectIdle(run, { ...config, n: config.idle, baselineBytes })
    // The first S stay subscribed for the load; the others leave.
    for (const subscriber of idle.subscribers.slice(config.subscribers)) subscriber.close()
    onPhase('publishers')
    const publishers = new Array(config.publishers)
    await pool(config.publishers, 20, async (i) => {
      publishers[i] = await target.publisher(server, options(config.idle + i))
    })
    pace = createPacer(publishers, config.paceEach, config.paceBurst)
    await sleep(config.settleMs / 2) // the departures and arrivals settle before the load
    onPhase('closed loop')
    const paceLimit = config.publishers * config.paceEach
    const closedLoop = await saturation(run, { ...config, paceLimit })
    const rates = []
    for (const rate of config.rates) {
      onPhase(`${rate}/s`)
      rates.push(await fixedRate(run, { ...config, rate, seconds: config.rateSeconds }))
    }
    return { setup: idle.setup, memory: idle.memory, closedLoop, rates }
  }
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`run not done within ${config.runBudgetMs / 1_000} s`)),
      config.runBudgetMs,
    )
  })
  const work = phases()
  // Past the budget the phases may still be under way: their server stops whenever they end.
  work.then(
    () => server?.stop(),
    () => server?.stop(),
  )
  try {
    const result = await Promise.race([work, timeout])
    const { counts, info } = sink
    const seconds = (performance.now() - started) / 1_000
    // The server's processes, to match a run with what else watched them (a profile, top).
    const processes = partsOf(server).map(({ name, pid }) => ({ name, pid }))
    return { ...result, info, errors: counts, seconds, processes }
  } finally {
    clearTimeout(timer)
    sink.isClosing = true
    for (const ws of sockets) ws.terminate()
    await server?.stop()
    rmSync(tmpDir, { recursive: true, force: true })
  }
}
