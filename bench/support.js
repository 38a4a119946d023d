/**
 * Helpers of the benchmarks: the server child process, /proc readings, a latency histogram.
 * Linux only (/proc); loopback only.
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import process from 'node:process'
import { clearTimeout, setTimeout } from 'node:timers'

/**
 * Starts `node dist/cli/main.js serve` on a free loopback port and resolves once it prints its
 * `hubbub listening on <url>` line. `stop()` asks it to shut down, then kills it after `graceMs`.
 */
export const startServer = (cwd, timeoutMs = 15_000) =>
  new Promise((resolve, reject) => {
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", goes to the server's node.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
    const serve = ['dist/cli/main.js', 'serve', '--port', '0', '--memory', '--host', '127.0.0.1']
    const args = [...nodeArgs, ...serve]
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    // However this process ends, the server ends with it (a no-op once it has exited).
    process.once('exit', () => child.kill('SIGKILL'))
    let stdout = ''
    let stderr = ''
    const exited = new Promise((done) => child.once('exit', done))
    const server = {
      pid: child.pid,
      port: 0,
      stderrTail: () => stderr.slice(-2_000),
      isRunning: () => child.exitCode === null && child.signalCode === null,
      async stop(graceMs = 3_000) {
        if (!server.isRunning()) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      },
    }
    const fail = (message) => {
      child.kill('SIGKILL')
      reject(new Error(`${message}\nserver stderr:\n${server.stderrTail()}`))
    }
    const timer = setTimeout(() => fail(`server did not start within ${timeoutMs} ms`), timeoutMs)
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8_000)))
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = /listening on http:\/\/\S+:(\d+)/.exec(stdout)
      if (match === null || server.port !== 0) return
      clearTimeout(timer)
      server.port = Number(match[1])
      resolve(server)
    })
    child.once('exit', (code, signal) => {
      if (server.port === 0) {
        clearTimeout(timer)
        fail(`server exited before listening (code ${code}, signal ${signal})`)
      }
    })
    child.once('error', (err) => fail(`cannot start the server: ${err.message}`))
  })

const clockTicks = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
})()

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export const procCpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks
}

/** CPU seconds the machine (all cores) spent busy so far, interrupts included, from /proc/stat. */
export const machineCpuSeconds = () => {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/)
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number)
  return (user + nice + system + irq + softirq + steal) / clockTicks
}

/** Resident memory of a process in MiB, now (VmRSS) and at its peak (VmHWM). */
export const procMemory = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  const mib = (key) => Math.round((kib(key) / 1024) * 10) / 10
  return { rssMiB: mib('VmRSS'), peakMiB: mib('VmHWM') }
}

const MIN_MS = 0.001
const LN_BASE = Math.log(1.01)
const BUCKETS = 2_000 // 1 µs to past 400 s, each bucket 1 % wide

/** Latencies in ms, in log buckets 1 % wide: constant memory, percentiles within 1 %. */
export class Histogram {
  counts = new Float64Array(BUCKETS)
  count = 0
  sum = 0
  max = 0

  record(ms) {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LN_BASE))
    this.counts[i] += 1
    this.count += 1
    this.sum += ms
    if (ms > this.max) this.max = ms
  }

  /** The upper edge of the bucket holding the p-th percentile (never above the true max). */
  percentile(p) {
    if (this.count === 0) return NaN
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]
      if (seen >= rank) return Math.min(this.max, MIN_MS * Math.exp(i * LN_BASE))
    }
    return this.max
  }

  summary() {
    const round = (ms) => Math.round(ms * 1000) / 1000
    return {
      count: this.count,
      meanMs: round(this.sum / this.count),
      p50Ms: round(this.percentile(50)),
      p99Ms: round(this.percentile(99)),
      maxMs: round(this.max),
    }
  }
}
