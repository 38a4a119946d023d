/**
 * Soak test: a fresh `hubbub serve --memory` child on 127.0.0.1 under steady, mixed load for a
 * while, to find leaks and delivery bugs that short benchmarks miss.
 *
 *   npm run bench -- --soak 10m [--subscribers 200] [--rate 50] [--churn 6] [--paused 4]
 *
 * - `--subscribers` reading subscribers (the client SDK, `dist/client/node.js`, as users run it) on
 *   channel `soak`, default policy `recover`. Every now and then one loses its link (its socket is
 *   terminated, or closed 4000): the SDK reconnects and resubscribes `since` its last position.
 *   Each checks that it sees every publication once, in order, across its reconnects.
 * - One SDK publisher, `--rate` publications per second to `soak` ({n, t}, ~100 bytes), and a bulk
 *   publisher (8 KiB to `soak-bulk`, 20/s) that only the paused clients read.
 * - Churn, `--churn` connections per second: SDK clients that join `soak` and a presence room,
 *   publish once to `soak-room` and leave after 0.2-5 s, half by `close()`, half abruptly
 *   (`terminate()`); raw clients that hang up mid-handshake or right after subscribing; raw
 *   clients that never send `connect` (the server closes them 4504 after 10 s).
 * - `--paused` raw clients at a time that subscribe to `soak` and `soak-bulk`, then stop reading
 *   (the socket is paused) for 20-60 s, then read again: the server's backpressure must keep them
 *   from growing its memory, and it closes them (4001 slow consumer, or 4002 as they answer no
 *   ping). Expected, counted.
 * - A monitor SDK client reads `sys:metrics` (the server's own heap and connection count).
 *
 * Every ~10 s a line: the server's RSS and heap, connections, throughput. At the end: lost and
 * duplicated messages (must be 0), `reset`s (history could not cover a gap: counted apart), that
 * the server's connection count returns to what is open, and the memory trend: the mean RSS of the
 * last third against the middle third (the first third is warm-up: the memory engine remembers
 * publish keys for 2 min), and a least-squares slope over both, in MiB/min. Exits 1 on loss,
 * duplicates, leaked connections or growth, 2 on a bad command line.
 */
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, URL } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { procCpuSeconds, procMemory, startServer } from './support.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const CHANNEL = 'soak'
const BULK_CHANNEL = 'soak-bulk'
const ROOM_CHANNEL = 'soak-room'
const BULK_BYTES = 8_192
const BULK_RATE = 20
const PAD = 'x'.repeat(64)
const REPORT_EVERY_MS = 10_000
const SAMPLE_EVERY_MS = 1_000
/** How often one reading subscriber loses its link, on average, per subscriber. */
const RECONNECT_EVERY_MS = 60_000
const MAX_CHURN_ALIVE = 150
const DRAIN_MS = 30_000
/** Memory judged GROWING past both: last third over the middle one, and the slope. */
const GROWTH_MIN_MIB = 3
const GROWTH_MIN_FRACTION = 0.03
const GROWTH_SLOPE_MIB_PER_MIN = 0.5
/** Shorter runs are mostly warm-up: their memory trend is printed, not judged. */
const MIN_JUDGED_MS = 180_000

/** Parses `90`, `30s`, `10m`, `1h`, `1m30s` into milliseconds; NaN when it is not one. */
export const parseDuration = (text) => {
  const trimmed = String(text).trim()
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(trimmed)
  if (match === null || trimmed === '') return Number.NaN
  const [, h = 0, m = 0, s = 0] = match
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1_000
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length

/** The least-squares slope of `ys` over `xs`; NaN with fewer than 2 points. */
export const linearSlope = (xs, ys) => {
  if (xs.length < 2) return Number.NaN
  const mx = mean(xs)
  const my = mean(ys)
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return den === 0 ? Number.NaN : num / den
}

/**
 * Judges a memory series `[{ at (ms), value (MiB) }]`: the first third is warm-up; GROWING when
 * the last third's mean is above the middle third's by more than 3 MiB and 3 %, and the slope
 * over both is above 0.5 MiB/min.
 */
export const judgeTrend = (samples) => {
  const third = Math.floor(samples.length / 3)
  const middle = samples.slice(third, 2 * third).map((s) => s.value)
  const last = samples.slice(2 * third).map((s) => s.value)
  const judged = samples.slice(third)
  const slope = linearSlope(
    judged.map((s) => s.at / 60_000),
    judged.map((s) => s.value),
  )
  if (middle.length < 2 || last.length < 2) return { verdict: 'too short', slope }
  const middleMean = mean(middle)
  const lastMean = mean(last)
  const rise = lastMean - middleMean
  const isGrowing =
    rise > Math.max(GROWTH_MIN_MIB, GROWTH_MIN_FRACTION * middleMean) &&
    slope > GROWTH_SLOPE_MIB_PER_MIN
  const round = (x) => Math.round(x * 100) / 100
  return {
    verdict: isGrowing ? 'GROWING' : 'flat',
    middleMean: round(middleMean),
    lastMean: round(lastMean),
    rise: round(rise),
    slope: round(slope),
  }
}

const usage = `usage: npm run bench -- --soak <duration> [--subscribers N] [--rate N] [--churn N] [--paused N]
  duration: 90, 30s, 10m, 1h or 1m30s`

/** Parses the command line; throws an Error whose message is the usage error. */
const parseOptions = (argv) => {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      soak: { type: 'string' },
      subscribers: { type: 'string', default: '200' },
      rate: { type: 'string', default: '50' },
      churn: { type: 'string', default: '6' },
      paused: { type: 'string', default: '4' },
    },
  })
  const durationMs = parseDuration(values.soak ?? '')
  if (!(durationMs >= 10_000)) throw new Error(`--soak needs a duration of 10 s or more`)
  const count = (name, min, max) => {
    const value = Number(values[name])
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}`)
    return value
  }
  return {
    durationMs,
    subscribers: count('subscribers', 1, 900),
    // One connection may send 100 frames/s (burst 200): stay below it.
    rate: count('rate', 1, 90),
    churn: count('churn', 0, 50),
    paused: count('paused', 0, 20),
  }
}

/** A `ws` WebSocket class for the SDK that binds to `localAddress` and hands each socket over. */
const trackedWebSocket = (localAddress, onSocket) =>
  class TrackedWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { localAddress, perMessageDeflate: false, handshakeTimeout: 10_000 })
      onSocket(this)
    }
  }

const randomBetween = (min, max) => min + Math.random() * (max - min)
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '?')

/**
 * Runs the soak test with the command line `argv` (e.g. `['--soak', '10m']`). Resolves with the
 * exit code (0 passed, 1 failed, 2 bad command line), also set as `process.exitCode`.
 */
export const runSoak = async ({ argv }) => {
  let options
  try {
    options = parseOptions(argv)
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n${usage}\n`)
    return (process.exitCode = 2)
  }
  const { connect } = await import(new URL('../dist/client/node.js', import.meta.url).href)
  const soak = new Soak(options, connect)
  const onSignal = () => soak.interrupt()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const code = await soak.run()
    return (process.exitCode = code)
  } catch (err) {
    process.stderr.write(`bench: soak failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    return (process.exitCode = 1)
  } finally {
    await soak.cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

class Soak {
  server
  url = ''
  startedAt = 0
  timers = new Set()
  intervals = new Set()
  /** Every SDK client and raw socket still open, for cleanup; churn clients also apart. */
  clients = new Set()
  churnClients = new Set()
  rawSockets = new Set()
  readers = []
  isStopping = false
  wasInterrupted = false
  stopEarly = () => undefined
  samples = [] // { at, rss, heap, connections }
  monitor = { heapMiB: Number.NaN, connections: Number.NaN, outPerSec: 0 }
  pub = { sent: 0, acked: 0, failed: {}, inflight: 0, firstSeq: 0, lastSeq: 0, stalls: 0 }
  bulk = { sent: 0, acked: 0, failed: 0 }
  churn = { started: 0, alive: 0, kinds: {}, closes: {}, errors: {}, skipped: 0 }
  paused = { started: 0, alive: 0, outcomes: {}, bytesAfterResume: 0 }
  latency = { count: 0, sum: 0, max: 0 }

  constructor(options, connect) {
    this.options = options
    this.connect = connect
  }

  /** A timer that cleanup clears. */
  later(fn, ms) {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
    return timer
  }

  every(fn, ms) {
    const interval = setInterval(fn, ms)
    this.intervals.add(interval)
    return interval
  }

  elapsedMs() {
    return performance.now() - this.startedAt
  }

  interrupt() {
    if (this.wasInterrupted) {
      process.stderr.write('bench: second signal, stopping now\n')
      void this.cleanup().finally(() => process.exit(130))
      return
    }
    this.wasInterrupted = true
    process.stderr.write('bench: interrupted: stopping the load and reporting (again to quit)\n')
    this.stopEarly()
  }

  async run() {
    const { durationMs, subscribers, rate, churn, paused } = this.options
    this.server = await startServer(root)
    this.url = `ws://127.0.0.1:${this.server.port}/`
    const log = (line) => process.stdout.write(`${line}\n`)
    log(
      `hubbub soak: ${fmt(durationMs / 60_000)} min on ${this.url} (server pid ${this.server.pid}); ` +
        `${subscribers} reading subscribers, ${rate} pub/s, churn ${churn}/s, ${paused} paused`,
    )
    const idle = procMemory(this.server.pid)
    this.startMonitor()
    await this.startReaders()
    const publisher = await this.startClient('publisher', '127.0.0.5')
    const bulkPublisher = await this.startClient('bulk', '127.0.0.5')
    const subscribed = procMemory(this.server.pid)
    log(
      `server RSS ${fmt(idle.rssMiB)} MiB idle, ${fmt(subscribed.rssMiB)} MiB with ` +
        `${subscribers} subscribers; running`,
    )

    this.startedAt = performance.now()
    const cpuAtStart = procCpuSeconds(this.server.pid)
    this.startPublisher(publisher)
    this.startBulk(bulkPublisher)
    this.startReconnects()
    this.startChurn()
    for (let i = 0; i < paused; i++) this.later(() => this.startPaused(), i * 2_000)
    this.every(() => this.sample(), SAMPLE_EVERY_MS)
    this.every(() => log(this.progressLine()), REPORT_EVERY_MS)
    // A server that dies (crash, OOM, killed) ends the soak at once, failed.
    this.every(() => {
      if (!this.server.isRunning()) this.stopEarly()
    }, 1_000)

    await new Promise((resolve) => {
      this.stopEarly = resolve
      this.later(resolve, durationMs)
    })
    const ranMs = this.elapsedMs()
    if (!this.server.isRunning()) {
      log(`soak: FAILED (the server exited after ${fmt(ranMs / 1_000)} s)`)
      log(`server stderr:\n${this.server.stderrTail()}`)
      return 1
    }
    const serverCpuPct = Math.round(
      ((procCpuSeconds(this.server.pid) - cpuAtStart) / (ranMs / 1_000)) * 100,
    )

    // Stop the load, let every reader catch up, then check.
    this.isStopping = true
    for (const interval of this.intervals) clearInterval(interval)
    this.intervals.clear()
    await this.waitPublisherIdle()
    const finalSeq = this.pub.lastSeq
    const caughtUp = await this.waitReadersAt(finalSeq)
    this.closeTransients()
    const connections = await this.checkConnections(subscribers + 3 /* publisher, bulk, monitor */)
    const end = procMemory(this.server.pid)
    return this.report({ ranMs, finalSeq, caughtUp, connections, end, serverCpuPct })
  }

  /** An SDK client from `localAddress`, resolved once connected; closed by cleanup. */
  async startClient(name, localAddress, extra = {}) {
    const holder = { ws: undefined }
    const client = this.connect(this.url, {
      name,
      WebSocket: trackedWebSocket(localAddress, (ws) => (holder.ws = ws)),
      ...extra,
    })
    client.on('error', () => undefined)
    this.clients.add(client)
    client.holder = holder // the socket it uses now
    await client.ready()
    return client
  }

  startMonitor() {
    void this.startClient('monitor', '127.0.0.5').then(
      (client) => {
        client.channel('sys:metrics').on('message', (pub) => {
          const sample = pub.data
          if (sample === null || typeof sample !== 'object') return
          this.monitor = {
            heapMiB: sample.heapUsedBytes / 1_048_576,
            connections: sample.connections,
            outPerSec: sample.messagesOutPerSec,
          }
        })
      },
      () => undefined,
    )
  }

  async startReaders() {
    const { subscribers } = this.options
    const starts = []
    for (let i = 0; i < subscribers; i++) {
      const reader = {
        index: i,
        last: undefined,
        epoch: undefined,
        received: 0,
        lost: 0,
        dups: 0,
        mismatched: 0,
        resets: 0,
        resetGap: 0,
        recovered: 0,
        ourCloses: 0,
        serverCloses: {},
        subscribeErrors: 0,
        expectClose: false,
      }
      this.readers.push(reader)
      starts.push(this.startReader(reader))
      if (starts.length % 50 === 0) await Promise.all(starts.splice(0))
    }
    await Promise.all(starts)
  }

  async startReader(reader) {
    const client = await this.startClient(`reader-${reader.index}`, '127.0.0.2', {
      // Reconnect soon after the link is cut, as a browser tab with a short backoff would.
      minReconnectDelayMs: 500,
    })
    reader.client = client
    client.on('disconnected', ({ code }) => {
      if (reader.expectClose) reader.ourCloses += 1
      else reader.serverCloses[code] = (reader.serverCloses[code] ?? 0) + 1
      reader.expectClose = false
    })
    const sub = client.channel(CHANNEL)
    sub.on('subscribed', ({ seq, epoch, recovered, wasRecovering }) => {
      if (!wasRecovering) {
        reader.last = seq
        reader.epoch = epoch
      } else if (recovered) reader.recovered += 1
    })
    sub.on('reset', ({ seq, epoch }) => {
      reader.resets += 1
      if (reader.last !== undefined && epoch === reader.epoch)
        reader.resetGap += Math.max(0, seq - reader.last)
      reader.last = seq
      reader.epoch = epoch
    })
    sub.on('error', () => (reader.subscribeErrors += 1))
    sub.on('message', (pub) => this.onReaderPub(reader, pub))
    await new Promise((resolve) => {
      const off = sub.on('subscribed', () => {
        off()
        resolve()
      })
    })
  }

  onReaderPub(reader, pub) {
    reader.received += 1
    if (pub.epoch !== reader.epoch) {
      // The memory engine never changes a channel's epoch while it runs: count it as a mismatch.
      reader.mismatched += 1
      reader.epoch = pub.epoch
      reader.last = pub.seq
      return
    }
    if (pub.seq <= reader.last) reader.dups += 1
    else {
      if (pub.seq > reader.last + 1) reader.lost += pub.seq - reader.last - 1
      reader.last = pub.seq
    }
    const data = pub.data
    // The publisher's n-th publication has seq firstSeq + n: anything else was not ours, or
    // was stored out of order.
    if (data?.n !== undefined && this.pub.firstSeq > 0 && pub.seq - data.n !== this.pub.firstSeq)
      reader.mismatched += 1
    if (typeof data?.t === 'number') {
      const ms = Date.now() - data.t
      this.latency.count += 1
      this.latency.sum += ms
      if (ms > this.latency.max) this.latency.max = ms
    }
  }

  startPublisher(client) {
    const { rate } = this.options
    const pub = this.pub
    const started = performance.now()
    const tick = () => {
      const due = Math.floor(((performance.now() - started) * rate) / 1_000) - pub.sent
      for (let i = 0; i < Math.min(due, 10); i++) {
        if (pub.inflight >= 500) {
          pub.stalls += 1 // the server stopped answering: do not pile up
          return
        }
        const n = pub.sent++
        pub.inflight += 1
        client.publish(CHANNEL, { n, t: Date.now(), pad: PAD }, { key: `soak-${n}` }).then(
          ({ seq }) => {
            pub.inflight -= 1
            pub.acked += 1
            if (n === 0) pub.firstSeq = seq // seq of n is firstSeq + n
            if (seq > pub.lastSeq) pub.lastSeq = seq
          },
          (err) => {
            pub.inflight -= 1
            const code = err?.code ?? 'error'
            pub.failed[code] = (pub.failed[code] ?? 0) + 1
          },
        )
      }
    }
    this.every(tick, 20)
  }

  startBulk(client) {
    if (this.options.paused === 0) return
    const payload = 'b'.repeat(BULK_BYTES)
    const bulk = this.bulk
    this.every(() => {
      bulk.sent += 1
      client.publish(BULK_CHANNEL, { payload }).then(
        () => (bulk.acked += 1),
        () => (bulk.failed += 1),
      )
    }, 1_000 / BULK_RATE)
  }

  /** Cuts one reader's link now and then: abruptly (terminate) or with a close 4000. */
  startReconnects() {
    const { subscribers } = this.options
    const everyMs = RECONNECT_EVERY_MS / subscribers
    this.every(() => {
      const reader = this.readers[Math.floor(Math.random() * subscribers)]
      const ws = reader.client?.holder.ws
      if (ws === undefined || ws.readyState !== WebSocket.OPEN) return
      reader.expectClose = true
      if (Math.random() < 0.7) ws.terminate()
      else ws.close(4000, 'soak: reconnect')
    }, everyMs)
  }

  startChurn() {
    const { churn } = this.options
    if (churn === 0) return
    const kinds = [
      ['sdk-close', 3, () => this.churnSdk(false)],
      ['sdk-terminate', 3, () => this.churnSdk(true)],
      ['raw-handshake-cut', 1, () => this.churnRaw('handshake')],
      ['raw-subscribe-cut', 2, () => this.churnRaw('subscribe')],
      ['raw-silent', 0.3, () => this.churnRaw('silent')],
    ]
    const total = kinds.reduce((sum, [, weight]) => sum + weight, 0)
    this.every(() => {
      if (this.churn.alive >= MAX_CHURN_ALIVE) {
        this.churn.skipped += 1
        return
      }
      let pick = Math.random() * total
      const [name, , start] = kinds.find(([, weight]) => (pick -= weight) < 0) ?? kinds[0]
      this.churn.started += 1
      this.churn.kinds[name] = (this.churn.kinds[name] ?? 0) + 1
      start()
    }, 1_000 / churn)
  }

  countChurnError(what) {
    this.churn.errors[what] = (this.churn.errors[what] ?? 0) + 1
  }

  /** An SDK client that subscribes, publishes once to a presence room, then leaves. */
  churnSdk(isAbrupt) {
    this.churn.alive += 1
    const holder = { ws: undefined }
    const client = this.connect(this.url, {
      name: 'churn',
      WebSocket: trackedWebSocket('127.0.0.3', (ws) => (holder.ws = ws)),
      maxReconnectDelayMs: 2_000,
    })
    this.clients.add(client)
    this.churnClients.add(client)
    client.on('error', () => undefined)
    client.on('disconnected', ({ code }) => {
      if (!this.isStopping) this.countChurnError(`sdk churn disconnected ${code}`)
    })
    client.channel(CHANNEL)
    const room = client.channel(ROOM_CHANNEL, { presence: true })
    const lifeMs = randomBetween(200, 5_000)
    client.ready().then(
      () => {
        room.publish({ text: 'hi' }).catch((err) => {
          if (!['closed', 'disconnected'].includes(err?.code))
            this.countChurnError(`publish ${err?.code}`)
        })
      },
      () => undefined,
    )
    this.later(() => {
      this.churn.alive -= 1
      this.clients.delete(client)
      this.churnClients.delete(client)
      if (isAbrupt) holder.ws?.terminate()
      client.close()
    }, lifeMs)
  }

  /**
   * A raw client: `handshake` hangs up as soon as the WebSocket is open, `subscribe` after
   * connect and subscribe, `silent` never sends `connect` (the server closes it 4504 after 10 s).
   */
  churnRaw(mode) {
    this.churn.alive += 1
    const ws = new WebSocket(this.url, 'hubbub.v1', {
      localAddress: '127.0.0.3',
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    })
    this.rawSockets.add(ws)
    let timer
    let isDone = false
    const done = () => {
      if (isDone) return
      isDone = true
      this.churn.alive -= 1
      this.rawSockets.delete(ws)
      clearTimeout(timer)
      this.timers.delete(timer)
    }
    ws.on('error', () => undefined)
    ws.on('message', (data) => {
      if (data.length < 40 && data.toString().includes('"ping"')) ws.send('{"type":"pong"}')
    })
    ws.once('close', (code) => {
      if (mode === 'silent' || !this.isStopping)
        this.churn.closes[`${mode} ${code}`] = (this.churn.closes[`${mode} ${code}`] ?? 0) + 1
      done()
    })
    ws.once('open', () => {
      if (mode === 'handshake') {
        ws.terminate()
        return
      }
      if (mode === 'silent') {
        timer = this.later(() => ws.terminate(), 15_000) // bounded if the server never closes it
        return
      }
      ws.send('{"type":"connect","id":1,"name":"raw"}')
      ws.send(`{"type":"subscribe","id":2,"channel":"${CHANNEL}","presence":true}`)
      timer = this.later(() => ws.terminate(), randomBetween(200, 3_000))
    })
  }

  /** A raw client that subscribes to the channels and stops reading for 20-60 s. */
  startPaused() {
    if (this.isStopping) return
    this.paused.started += 1
    this.paused.alive += 1
    const ws = new WebSocket(this.url, 'hubbub.v1', {
      localAddress: '127.0.0.4',
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    })
    this.rawSockets.add(ws)
    let isPaused = false
    let isResumed = false
    let timer
    const outcome = (what) => {
      this.paused.outcomes[what] = (this.paused.outcomes[what] ?? 0) + 1
    }
    ws.on('error', () => undefined)
    ws.on('message', (data) => {
      if (isResumed) this.paused.bytesAfterResume += data.length
      if (data.length < 40 && data.toString().includes('"ping"')) ws.send('{"type":"pong"}')
    })
    ws.once('close', (code) => {
      this.rawSockets.delete(ws)
      this.paused.alive -= 1
      clearTimeout(timer)
      this.timers.delete(timer)
      if (this.isStopping) outcome('still open at the end: closed by the bench')
      else if (!isResumed)
        outcome(isPaused ? `closed ${code} while paused` : `closed ${code} early`)
      else if (code === 4999) outcome('still open after resuming: closed by the bench')
      else outcome(`closed ${code}`)
      if (!this.isStopping) this.later(() => this.startPaused(), 1_000)
    })
    ws.once('open', () => {
      ws.send('{"type":"connect","id":1,"name":"paused"}')
      ws.send(`{"type":"subscribe","id":2,"channel":"${CHANNEL}"}`)
      ws.send(`{"type":"subscribe","id":3,"channel":"${BULK_CHANNEL}"}`)
      timer = this.later(
        () => {
          isPaused = true
          ws.pause()
          timer = this.later(
            () => {
              isResumed = true
              ws.resume()
              // Read what is left for a while; a socket the server kept gets closed by us.
              timer = this.later(() => {
                if (ws.readyState === WebSocket.OPEN) ws.close(4999, 'soak: done')
                else ws.terminate()
              }, 15_000)
            },
            randomBetween(20_000, 60_000),
          )
        },
        randomBetween(500, 2_000),
      )
    })
  }

  sample() {
    const at = this.elapsedMs()
    try {
      const { rssMiB } = procMemory(this.server.pid)
      this.samples.push({ at, rss: rssMiB, heap: this.monitor.heapMiB })
    } catch {
      // The server is gone; the report says so.
    }
  }

  totals() {
    const sum = (key) => this.readers.reduce((total, reader) => total + reader[key], 0)
    return {
      received: sum('received'),
      lost: sum('lost'),
      dups: sum('dups'),
      mismatched: sum('mismatched'),
      resets: sum('resets'),
      resetGap: sum('resetGap'),
      recovered: sum('recovered'),
      ourCloses: sum('ourCloses'),
    }
  }

  progressLine() {
    const last = this.samples.at(-1)
    const t = this.totals()
    const connected = this.readers.filter((r) => r.client?.state === 'connected').length
    return (
      `t=${String(Math.round(this.elapsedMs() / 1_000)).padStart(5)} s  ` +
      `rss ${fmt(last?.rss)} MiB  heap ${fmt(this.monitor.heapMiB)} MiB  ` +
      `conns ${this.monitor.connections}  ` +
      `pubs ${this.pub.acked}  deliveries ${t.received}  out ${Math.round(this.monitor.outPerSec)}/s  ` +
      `readers up ${connected}/${this.readers.length}  reconnects ${t.ourCloses}  ` +
      `lost ${t.lost} dup ${t.dups} reset ${t.resets}  ` +
      `churn ${this.churn.started} (${this.churn.alive} alive)  paused ${this.paused.started}`
    )
  }

  async waitPublisherIdle() {
    const deadline = performance.now() + DRAIN_MS
    while (this.pub.inflight > 0 && performance.now() < deadline) await sleep(50)
  }

  /** Waits until every reader has seen `seq`; resolves with how many have. */
  async waitReadersAt(seq) {
    const deadline = performance.now() + DRAIN_MS
    const isAt = (r) => r.last !== undefined && r.last >= seq
    while (!this.readers.every(isAt) && performance.now() < deadline) await sleep(50)
    return this.readers.filter(isAt).length
  }

  /** Closes every churn and paused client (their timers too). */
  closeTransients() {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const ws of this.rawSockets) ws.terminate()
    for (const client of this.churnClients) {
      client.close()
      this.clients.delete(client)
    }
    this.churnClients.clear()
  }

  /**
   * Waits (15 s at most: raw clients that never sent `connect` last 10 s) until the server counts
   * `expected` connections, as its `sys:metrics` says.
   */
  async checkConnections(expected) {
    const deadline = performance.now() + 15_000
    while (this.monitor.connections !== expected && performance.now() < deadline) await sleep(200)
    return { expected, counted: this.monitor.connections }
  }

  report({ ranMs, finalSeq, caughtUp, connections, end, serverCpuPct }) {
    const log = (line) => process.stdout.write(`${line}\n`)
    const t = this.totals()
    const { subscribers } = this.options
    const behind = this.readers
      .filter((r) => r.last === undefined || r.last < finalSeq)
      .reduce((sum, r) => sum + (finalSeq - (r.last ?? finalSeq)), 0)
    const lost = t.lost + behind
    const closes = {}
    for (const reader of this.readers)
      for (const [code, n] of Object.entries(reader.serverCloses))
        closes[code] = (closes[code] ?? 0) + n
    const rss = judgeTrend(this.samples.map((s) => ({ at: s.at, value: s.rss })))
    const heapSamples = this.samples.filter((s) => Number.isFinite(s.heap))
    const heap = judgeTrend(heapSamples.map((s) => ({ at: s.at, value: s.heap })))
    const rssValues = this.samples.map((s) => s.rss)
    const published = this.pub.firstSeq > 0 ? finalSeq - this.pub.firstSeq + 1 : 0
    const avgLatency = this.latency.count > 0 ? this.latency.sum / this.latency.count : NaN
    const connectionsOk = connections.counted === connections.expected
    log('')
    log(
      `--- soak summary (${fmt(ranMs / 60_000)} min${this.wasInterrupted ? ', interrupted' : ''})`,
    )
    log(
      `publisher: ${this.pub.acked} acknowledged of ${this.pub.sent} sent (seq ` +
        `${this.pub.firstSeq}..${finalSeq}), failures ${JSON.stringify(this.pub.failed)}, ` +
        `stalls ${this.pub.stalls}; bulk ${this.bulk.acked}/${this.bulk.sent} (${BULK_BYTES} B)`,
    )
    log(
      `readers: ${subscribers}, ${caughtUp} caught up with seq ${finalSeq}; ${t.received} ` +
        `deliveries (${published * subscribers} expected without resets), latency mean ` +
        `${fmt(avgLatency)} ms, max ${fmt(this.latency.max, 0)} ms (recoveries included)`,
    )
    log(
      `  links cut by the bench: ${t.ourCloses}, resubscribed with recovered: true ${t.recovered}; ` +
        `closed by the server: ${JSON.stringify(closes)}`,
    )
    log(
      `  LOST ${lost} (gaps ${t.lost}, behind at the end ${behind}), DUPLICATES ${t.dups}, ` +
        `out of order or foreign ${t.mismatched}`,
    )
    log(
      `  resets (history could not cover a gap, the SDK said so): ${t.resets}, ` +
        `${t.resetGap} publications skipped with them`,
    )
    log(
      `churn: ${this.churn.started} started ${JSON.stringify(this.churn.kinds)}; raw closes ` +
        `${JSON.stringify(this.churn.closes)}; errors ${JSON.stringify(this.churn.errors)}` +
        (this.churn.skipped > 0 ? `; skipped ${this.churn.skipped} (too many alive)` : ''),
    )
    log(
      `paused (stop reading 20-60 s): ${this.paused.started} started, outcomes ` +
        `${JSON.stringify(this.paused.outcomes)}, ${fmt(this.paused.bytesAfterResume / 1_048_576)} ` +
        'MiB read after resuming',
    )
    log(
      `server connections after the churn: ${connections.counted} (expected ${connections.expected})` +
        `${connectionsOk ? '' : ' LEAK?'}; server CPU ${serverCpuPct} % of one core`,
    )
    log(
      `server RSS: min ${fmt(Math.min(...rssValues))}, max ${fmt(Math.max(...rssValues))}, ` +
        `end ${fmt(end.rssMiB)}, peak ${fmt(end.peakMiB)} MiB; middle third ${fmt(rss.middleMean)} → ` +
        `last third ${fmt(rss.lastMean)} MiB, slope ${fmt(rss.slope, 2)} MiB/min: ${rss.verdict}`,
    )
    log(
      `server heap (sys:metrics): middle third ${fmt(heap.middleMean)} → last third ` +
        `${fmt(heap.lastMean)} MiB, slope ${fmt(heap.slope, 2)} MiB/min: ${heap.verdict}`,
    )
    const isTooShort = ranMs < MIN_JUDGED_MS
    const failures = [
      lost > 0 ? `${lost} lost` : '',
      t.dups > 0 ? `${t.dups} duplicated` : '',
      t.mismatched > 0 ? `${t.mismatched} out of order` : '',
      connectionsOk ? '' : 'connections not released',
      rss.verdict === 'GROWING' && !isTooShort ? 'RSS growing' : '',
      this.server.isRunning() ? '' : 'the server died',
    ].filter(Boolean)
    if (isTooShort) log('note: under 3 min the memory verdict means little (warm-up): not judged')
    log(failures.length === 0 ? 'soak: PASSED' : `soak: FAILED (${failures.join(', ')})`)
    if (!this.server.isRunning()) log(`server stderr:\n${this.server.stderrTail()}`)
    return failures.length === 0 ? 0 : 1
  }

  async cleanup() {
    this.isStopping = true
    for (const interval of this.intervals) clearInterval(interval)
    this.intervals.clear()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const client of this.clients) client.close()
    this.clients.clear()
    for (const ws of this.rawSockets) ws.terminate()
    this.rawSockets.clear()
    await this.server?.stop()
  }
}
