/**
 * Memory per idle connection: hubbub (`hubbub serve --memory`, each client connected and
 * subscribed to one channel, answering pings) against a raw `ws` server (clients just kept open).
 * Each server is a child process; this process holds the clients, spread over 127.0.0.2…
 * source addresses to stay under hubbub's 1,000 connections per IP.
 *
 *   node bench/memory-probe.js [--connections N] [--warm W] [--rounds R] [--servers ws,hubbub]
 *                              [--hold-ms MS] [--semi-space-mb MB] [--snapshot DIR]
 *
 * Defaults: N 5,000, W 100, R 2, hold 30 s, semi-space 1 MB. Linux only (/proc).
 *
 * Per round and server: start it, open W warm-up connections (so that code compiled for the
 * connection path is in the baseline), settle, read VmRSS; open N more, settle, read VmRSS again.
 * Bytes per connection = (VmRSS(W + N) − VmRSS(W)) / N. Each reading is taken twice: "settled"
 * (no forced GC: RSS stable within 1 % over 2 s, and at least --hold-ms after the last connection,
 * so that one heartbeat round of hubbub has run: 25 s pings by default) and "gc" (right after a
 * full GC, forced by SIGUSR2 through a preload that `--expose-gc` makes possible; the same preload
 * reports the V8 heap and external memory). Rounds repeat on fresh servers; the spread is over
 * rounds.
 *
 * The young generation is pinned small (--semi-space-mb, 1 MB by default; 0 leaves V8's defaults)
 * and churned through at start. Left alone, V8 grows it in steps up to ~32 MiB when enough objects
 * survive scavenges (as thousands of new connections do), and shrinks or uncommits it when idle or
 * on a forced GC, whenever it decides: a fixed cost, not one per connection, yet it showed as −3
 * to +6 KiB "per connection" from one round or reading to the next, for either server. Pinned
 * small, it moves the readings by a few hundred bytes per connection at most (objects then reach
 * the old generation sooner: "settled" includes more not-yet-collected garbage than a default
 * server would, "gc" does not). With --snapshot DIR, a heap snapshot of each server is written after each GC'd reading
 * (DIR/<server>-<round>-1.heapsnapshot with W connections, …-2 with W + N), for comparing object
 * counts per connection.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import path from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, URL } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'

const root = fileURLToPath(new URL('..', import.meta.url))
const self = fileURLToPath(import.meta.url)
const PER_ADDRESS = 900

/**
 * Preloaded into each server: on SIGUSR2, a full GC, then one `MEMPROBE {json}` line on stderr with
 * process.memoryUsage(), and, when MEMPROBE_SNAPSHOT names a path prefix, a heap snapshot
 * `<prefix>-<k>.heapsnapshot` for the k-th signal.
 */
const PRELOAD = `
import v8 from 'node:v8'
// Short-lived garbage, enough to pass through the whole young generation a few times, so that its
// pages are resident before the baseline is read.
const churnMb = Number(process.env.MEMPROBE_CHURN_MB ?? 0)
for (let i = 0; i < churnMb * 16; i++) new Array(8192).fill(i)
let k = 0
const report = () => {
  const usage = process.memoryUsage()
  for (const space of v8.getHeapSpaceStatistics()) usage[space.space_name] = space.space_size
  process.stderr.write('MEMPROBE ' + JSON.stringify(usage) + '\\n')
}
process.on('SIGURG', report)
process.on('SIGUSR2', () => {
  globalThis.gc(); globalThis.gc()
  const prefix = process.env.MEMPROBE_SNAPSHOT
  k += 1
  if (prefix) v8.writeHeapSnapshot(prefix + '-' + k + '.heapsnapshot')
  report()
})
`
const PRELOAD_URL = `data:text/javascript,${encodeURIComponent(PRELOAD)}`

/** The raw ws server: an HTTP server handing upgrades to a `noServer` WebSocketServer. */
const serveRawWs = () => {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
  })
  const http = createHttpServer()
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined)
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined)
    })
  })
  http.listen(0, '127.0.0.1', () => {
    process.stdout.write(`raw ws listening on http://127.0.0.1:${http.address().port}\n`)
  })
}

if (process.argv[2] === '--raw-ws-server') serveRawWs()
else await main()

async function main() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '5000' },
      warm: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '2' },
      servers: { type: 'string', default: 'ws,hubbub' },
      'hold-ms': { type: 'string', default: '30000' },
      snapshot: { type: 'string' },
      'semi-space-mb': { type: 'string', default: '1' },
    },
  })
  const semiSpaceMb = Number(values['semi-space-mb'])
  const N = Number(values.connections)
  const W = Number(values.warm)
  const rounds = Number(values.rounds)
  const holdMs = Number(values['hold-ms'])
  const servers = values.servers.split(',')
  const results = {}
  for (const kind of servers) {
    results[kind] = []
    for (let round = 1; round <= rounds; round++) {
      const result = await measure(kind, N, W, holdMs, values.snapshot, round, semiSpaceMb)
      results[kind].push(result)
      log(`${kind} round ${round}: ${format(result)}`)
      log(`  KiB per connection by V8 space (settled/gc): ${JSON.stringify(result.spaces)}`)
    }
  }
  log('')
  log(`bytes per idle connection, N = ${N} (after ${W} warm-up), ${rounds} rounds:`)
  for (const kind of servers) {
    const rows = results[kind]
    for (const key of ['settled', 'gc', 'heap', 'external']) {
      const all = rows.map((r) => r[key])
      const mean = all.reduce((a, b) => a + b, 0) / all.length
      log(
        `  ${kind.padEnd(7)} ${key.padEnd(8)} mean ${kib(mean)}  ` +
          `min ${kib(Math.min(...all))}  max ${kib(Math.max(...all))}`,
      )
    }
  }
  if (servers.includes('ws') && servers.includes('hubbub')) {
    const mean = (kind, key) => results[kind].reduce((a, r) => a + r[key], 0) / results[kind].length
    log(
      `  hubbub / ws: settled ${(mean('hubbub', 'settled') / mean('ws', 'settled')).toFixed(2)}×, ` +
        `gc ${(mean('hubbub', 'gc') / mean('ws', 'gc')).toFixed(2)}×, ` +
        `heap ${(mean('hubbub', 'heap') / mean('ws', 'heap')).toFixed(2)}×`,
    )
  }
}

function log(line) {
  process.stdout.write(`${line}\n`)
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(2).padStart(6)} KiB`
}

function format(r) {
  return (
    `settled ${kib(r.settled)}, gc ${kib(r.gc)} (heap ${kib(r.heap)}, external ${kib(r.external)}), ` +
    `RSS ${mib(r.rss0)} → ${mib(r.rss1)} MiB`
  )
}

/** Per connection, how much each V8 space grew (settled / after GC). */
function spaceDeltas(before, after, N) {
  const out = {}
  for (const key of Object.keys(after.usage)) {
    if (!key.endsWith('_space')) continue
    const settled = (after.settledUsage[key] - before.settledUsage[key]) / N
    const gc = (after.usage[key] - before.usage[key]) / N
    out[key] = `${(settled / 1024).toFixed(2)}/${(gc / 1024).toFixed(2)}`
  }
  return out
}

function mib(bytes) {
  return (bytes / 2 ** 20).toFixed(1)
}

async function measure(kind, N, W, holdMs, snapshotDir, round, semiSpaceMb) {
  const prefix = snapshotDir === undefined ? '' : path.resolve(snapshotDir, `${kind}-${round}`)
  const server = await start(kind, prefix, semiSpaceMb)
  const clients = []
  try {
    await openMany(server.url, kind, 0, W, clients)
    const before = await read(server, holdMs / 3)
    await openMany(server.url, kind, W, N, clients)
    const after = await read(server, holdMs)
    const closed = clients.filter((ws) => ws.readyState !== WebSocket.OPEN).length
    if (closed > 0) throw new Error(`${closed} connections to ${kind} closed during the probe`)
    return {
      settled: (after.settled - before.settled) / N,
      gc: (after.gc - before.gc) / N,
      heap: (after.usage.heapUsed - before.usage.heapUsed) / N,
      external: (after.usage.external - before.usage.external) / N,
      rss0: before.gc,
      rss1: after.gc,
      spaces: spaceDeltas(before, after, N),
    }
  } finally {
    for (const ws of clients) ws.terminate()
    await server.stop()
  }
}

/** RSS settled without GC (after `holdMs` at least), then after a forced GC. */
async function read(server, holdMs) {
  const startedAt = Date.now()
  let last = rssOf(server.pid)
  for (;;) {
    await sleep(2_000)
    const now = rssOf(server.pid)
    const isStable = Math.abs(now - last) < last * 0.01
    last = now
    if (isStable && Date.now() - startedAt >= holdMs) break
  }
  const settled = last
  const settledUsage = await server.usage(false)
  const usage = await server.usage(true)
  await sleep(500)
  return { settled, gc: rssOf(server.pid), usage, settledUsage }
}

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024
}

/** Opens connections `from`…`from + n − 1`, 200 at a time; hubbub ones connect and subscribe. */
async function openMany(url, kind, from, n, clients) {
  let next = from
  const worker = async () => {
    while (next < from + n) {
      const i = next++
      const localAddress = `127.0.0.${2 + Math.floor(i / PER_ADDRESS)}`
      clients.push(await openOne(url, kind, localAddress))
    }
  }
  await Promise.all(Array.from({ length: 200 }, worker))
}

function openOne(url, kind, localAddress) {
  return new Promise((resolve, reject) => {
    const protocols = kind === 'hubbub' ? ['hubbub.v1'] : []
    const ws = new WebSocket(url, protocols, { localAddress, perMessageDeflate: false })
    ws.on('error', reject)
    ws.once('close', (code) => reject(new Error(`closed ${code} while opening`)))
    ws.once('open', () => {
      if (kind !== 'hubbub') {
        resolve(ws)
        return
      }
      ws.send('{"type":"connect","id":1,"name":"b"}')
      ws.send('{"type":"subscribe","id":2,"channel":"bench"}')
    })
    ws.on('message', (buf) => {
      const frame = JSON.parse(buf.toString())
      if (frame.type === 'ping') ws.send('{"type":"pong"}')
      else if (frame.type === 'reply' && frame.error !== undefined)
        reject(new Error(`reply ${frame.id}: ${frame.error.code} ${frame.error.message}`))
      else if (frame.type === 'reply' && frame.id === 2) resolve(ws)
    })
  })
}

/** Starts a server child with the GC preload; resolves once it listens. */
function start(kind, snapshotPrefix, semiSpaceMb) {
  const args =
    kind === 'hubbub'
      ? ['dist/cli/main.js', 'serve', '--memory', '--host', '127.0.0.1', '--port', '0']
      : [self, '--raw-ws-server']
  const young =
    semiSpaceMb > 0
      ? [`--min-semi-space-size=${semiSpaceMb}`, `--max-semi-space-size=${semiSpaceMb}`]
      : []
  const nodeArgs = ['--expose-gc', ...young, `--import=${PRELOAD_URL}`]
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MEMPROBE_SNAPSHOT: snapshotPrefix,
      MEMPROBE_CHURN_MB: String(semiSpaceMb * 8),
    },
  })
  process.once('exit', () => child.kill('SIGKILL'))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let stderr = ''
  const usageWaiters = []
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    for (;;) {
      const match = /MEMPROBE (\{.*\})\n/.exec(stderr)
      if (match === null) break
      stderr = stderr.slice(match.index + match[0].length)
      usageWaiters.shift()?.(JSON.parse(match[1]))
    }
    stderr = stderr.slice(-8_000)
  })
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match === null) return
      resolve({
        pid: child.pid,
        url: match[1].replace('http:', 'ws:').replace('localhost', '127.0.0.1'),
        /** process.memoryUsage() and V8 space sizes, after a full GC with `isGc`. */
        usage(isGc) {
          return new Promise((done) => {
            usageWaiters.push(done)
            child.kill(isGc ? 'SIGUSR2' : 'SIGURG')
          })
        },
        async stop() {
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
          await exited
          clearTimeout(timer)
        },
      })
    })
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}): ${stderr}`)))
  })
}
