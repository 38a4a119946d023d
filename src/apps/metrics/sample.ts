import { cpus, freemem, totalmem } from 'node:os'
import { cpuUsage, memoryUsage } from 'node:process'
import { getHeapStatistics } from 'node:v8'
import type { HubStats } from '../../server/index.js'

/**
 * One node's sample, as `sys:metrics` publications carry it. Rates and `cpuPercent` cover the
 * time since the node's previous sample (for the first one, since the app started).
 */
export interface MetricsSample {
  node: string
  /** When the sample was taken, ms since the Unix epoch. */
  time: number
  /** CPU time (user + system) of this process, in percent of one core (0.1 steps). */
  cpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  /** The machine's CPU busy time over the interval, in percent of all cores (psutil's `cpu_percent()`; 0.1 steps). */
  systemCpuPercent: number
  /** The machine's memory in use, in percent of its total, as psutil's `virtual_memory().percent` (0.1 steps). */
  systemMemoryPercent: number
  /** Open WebSocket connections of this node, protocol and plain text. */
  connections: number
  /** WebSocket messages received per second (0.1 steps). */
  messagesInPerSec: number
  /** WebSocket messages sent per second (0.1 steps); one publication to 1,000 sockets counts 1,000. */
  messagesOutPerSec: number
}

/** Takes a sample; each call starts the interval of the next one. */
export type Sampler = () => MetricsSample

/** `count` per `elapsedMs`, as a per-second rate in 0.1 steps; 0 over no time. */
const perSecond = (count: number, elapsedMs: number): number =>
  elapsedMs > 0 ? Math.round((count / elapsedMs) * 10_000) / 10 : 0

/** What a sample needs of `process.memoryUsage()`. */
export type MemoryReader = () => { rss: number; heapUsed: number }

/**
 * `memoryUsage()` reads /proc/self on Linux, so it throws EMFILE when the process has no file
 * descriptor left (a node full of connections): that must not crash it from a timer. Then the
 * last RSS read stands, and the heap comes from V8, which needs no descriptor.
 */
const safeMemoryReader = (read: MemoryReader): MemoryReader => {
  let last = { rss: 0, heapUsed: 0 }
  return () => {
    try {
      const { rss, heapUsed } = read()
      last = { rss, heapUsed }
    } catch {
      last = { rss: last.rss, heapUsed: getHeapStatistics().used_heap_size }
    }
    return last
  }
}

/** Busy and total CPU time of every core so far, in ms. */
const cpuTimes = (): { busyMs: number; totalMs: number } => {
  let busyMs = 0
  let totalMs = 0
  for (const { times } of cpus()) {
    const total = times.user + times.nice + times.sys + times.irq + times.idle
    totalMs += total
    busyMs += total - times.idle
  }
  return { busyMs, totalMs }
}

/** Percent in 0.1 steps, 0 when `whole` is 0. */
const percent = (part: number, whole: number): number =>
  whole > 0 ? Math.round((part / whole) * 1_000) / 10 : 0

/** Used memory as psutil counts it: total minus available (libuv's free memory is MemAvailable). */
const systemMemoryPercent = (): number => {
  const total = totalmem()
  return percent(total - freemem(), total)
}

export const createSampler = (
  node: string,
  stats: () => HubStats,
  nowMs: () => number = () => performance.now(),
  readMemory: MemoryReader = memoryUsage,
): Sampler => {
  const memory = safeMemoryReader(readMemory)
  let lastCpu = cpuUsage()
  let lastMs = nowMs()
  let last = stats()
  let lastTimes = cpuTimes()
  return () => {
    const times = cpuTimes()
    const system = percent(times.busyMs - lastTimes.busyMs, times.totalMs - lastTimes.totalMs)
    lastTimes = times
    const cpu = cpuUsage(lastCpu)
    lastCpu = cpuUsage()
    const ms = nowMs()
    const elapsedMs = ms - lastMs
    lastMs = ms
    const previous = last
    last = stats()
    const { rss, heapUsed } = memory()
    return {
      node,
      time: Date.now(),
      // cpuUsage counts µs: percent = (µs / 1_000) / elapsedMs * 100 = µs / elapsedMs / 10.
      cpuPercent: elapsedMs > 0 ? Math.round((cpu.user + cpu.system) / elapsedMs) / 10 : 0,
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      systemCpuPercent: system,
      systemMemoryPercent: systemMemoryPercent(),
      connections: last.connections,
      messagesInPerSec: perSecond(last.messagesIn - previous.messagesIn, elapsedMs),
      messagesOutPerSec: perSecond(last.messagesOut - previous.messagesOut, elapsedMs),
    }
  }
}
