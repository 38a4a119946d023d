/**
 * End-to-end latency at a fixed rate (open loop): `rate` messages per second for `seconds`, sent
 * on schedule whatever the deliveries do. Every delivery's latency is its arrival minus the send
 * time in its payload (one clock: the generator's). The rate was held when the messages went out
 * on schedule (≥ 99 % of the rate), every subscriber got every one, and the backlog when the last
 * was sent drained within 500 ms (a target that falls behind builds a backlog that grows with the
 * phase's length).
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMark, cpuSince } from './cpu.js'
import { Histogram } from './histogram.js'
import { createWindow } from './window.js'

const DRAIN_MS = 5_000
const MAX_BACKLOG_MS = 500

export const fixedRate = async (run, { subscribers, rate, seconds }) => {
  const { sink, server } = run
  const flight = createWindow(subscribers, run.nextIndex())
  sink.window = flight
  sink.hist = new Histogram()
  const total = Math.round(rate * seconds)
  const intervalMs = 1_000 / rate
  const mark = cpuMark(server)
  let maxSendLagMs = 0
  let sent = 0
  while (sent < total) {
    const elapsed = performance.now() - mark.at
    for (; sent < total && sent * intervalMs <= elapsed; sent++) {
      if (!run.publish(flight)) break // every publisher at its pace: not at these rates
      maxSendLagMs = Math.max(maxSendLagMs, elapsed - sent * intervalMs)
    }
    if (sent < total) await sleep(1)
  }
  const cpu = cpuSince(server, mark)
  const lastSentAt = performance.now()
  const missing = await flight.drain(DRAIN_MS)
  const drainMs = Math.round(performance.now() - lastSentAt)
  const sentPerSec = Math.round((total / cpu.seconds) * 10) / 10
  return {
    rate,
    sentPerSec,
    maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
    ...cpu,
    deliveriesPerSec: Math.round(flight.delivered / cpu.seconds),
    latency: sink.hist.summary(),
    drainMs,
    missing,
    duplicates: flight.dups,
    isHeld: sentPerSec >= 0.99 * rate && missing === 0 && drainMs <= MAX_BACKLOG_MS,
  }
}
