/**
 * Connection setup rate and server bytes per idle connection, the same way for every target:
 * with the server just started and one warm-up connection opened and closed, its VmRSS is the
 * baseline; then N subscribers connect, `concurrency` at a time, each counted once it is
 * subscribed (what that means per target: see targets/), which gives connections per second;
 * after `settleMs` with nothing happening the VmRSS again, and (that − baseline) / N is the
 * memory of one idle subscribed connection (whatever the runtime keeps of it: heap, buffers,
 * kernel socket memory is not in RSS).
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMark, cpuSince } from './cpu.js'
import { pool } from './pool.js'
import { serverRssBytes } from './server-group.js'

/** Resolves with `{ baselineBytes }` after a warm-up subscriber came and went. */
export const baseline = async (run, settleMs) => {
  const warmup = await run.subscriber(0)
  warmup.close()
  await sleep(settleMs)
  return { baselineBytes: serverRssBytes(run.server) }
}

/** Connects `n` subscribers; resolves with them and the figures. */
export const connectIdle = async (run, { n, concurrency, settleMs, baselineBytes }) => {
  const subscribers = new Array(n)
  const mark = cpuMark(run.server)
  const started = performance.now()
  await pool(n, concurrency, async (i) => {
    subscribers[i] = await run.subscriber(i)
    run.progress(i + 1, n)
  })
  const seconds = (performance.now() - started) / 1_000
  const cpu = cpuSince(run.server, mark)
  await sleep(settleMs)
  const rssBytes = serverRssBytes(run.server)
  const setup = { connections: n, concurrency, perSec: Math.round(n / seconds), ...cpu }
  const memory = {
    connections: n,
    baselineMiB: Math.round((baselineBytes / 2 ** 20) * 10) / 10,
    idleMiB: Math.round((rssBytes / 2 ** 20) * 10) / 10,
    bytesPerConnection: Math.round((rssBytes - baselineBytes) / n),
  }
  return { subscribers, setup, memory }
}
