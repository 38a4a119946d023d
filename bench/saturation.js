/**
 * Deliveries per second at saturation, in a closed loop: at most `window` messages in flight
 * (see window.js: in flight until every subscriber has it), a new one sent as soon as one leaves
 * and a publisher is under its pace. After `warmupMs`, `seconds` of it are measured: deliveries
 * per second (total and each second), latency of every delivery, and who used the CPU.
 */
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMark, cpuSince } from './cpu.js'
import { Histogram } from './histogram.js'
import { createWindow } from './window.js'

const EXPIRE_MS = 5_000 // a message still missing deliveries after this is counted missing
const DRAIN_MS = 5_000

export const saturation = async (run, { subscribers, window, seconds, warmupMs, paceLimit }) => {
  const { sink, server } = run
  const flight = createWindow(subscribers, run.nextIndex())
  sink.window = flight
  let isRunning = true
  let retry
  let stalls = 0
  const pump = () => {
    retry = undefined
    while (isRunning && flight.inflight < window) {
      if (!run.publish(flight)) {
        stalls += 1 // every publisher is at its pace: try again in 1 ms
        retry ??= setTimeout(pump, 1)
        return
      }
    }
  }
  flight.onComplete = pump
  const expiry = setInterval(() => flight.expire(EXPIRE_MS), 250)
  pump()
  await sleep(warmupMs)
  sink.hist = new Histogram()
  const mark = cpuMark(server)
  const start = { delivered: flight.delivered, sent: flight.next }
  const perSecond = []
  for (let second = 0; second < seconds; second++) {
    const before = flight.delivered
    const at = performance.now()
    await sleep(1_000)
    perSecond.push(Math.round(((flight.delivered - before) * 1_000) / (performance.now() - at)))
  }
  const cpu = cpuSince(server, mark)
  const latency = sink.hist.summary()
  const deliveriesPerSec = Math.round((flight.delivered - start.delivered) / cpu.seconds)
  const messagesPerSec = Math.round((flight.next - start.sent) / cpu.seconds)
  isRunning = false
  clearTimeout(retry)
  const missing = await flight.drain(DRAIN_MS)
  clearInterval(expiry)
  return {
    deliveriesPerSec,
    messagesPerSec,
    perSecond,
    ...cpu,
    latency,
    missing,
    duplicates: flight.dups,
    strays: flight.strays,
    pacingStalls: stalls,
    isPaceBound: messagesPerSec >= 0.85 * paceLimit,
  }
}
