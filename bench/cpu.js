/**
 * Who used the CPU during a phase, in % of one core: the server (all its threads, and all its
 * processes when it is a group: see server-group.js), the generator (this process), and the rest
 * of the machine (loopback interrupts not charged to either, and any other work, which skews the
 * figures: the report flags it past 40 %).
 */
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { machineCpuSeconds } from './proc.js'
import { partCpuSeconds, partsOf } from './server-group.js'

/** CPU seconds of each of the server's processes so far; none without a local pid. */
const partSeconds = (server) => partsOf(server).map(partCpuSeconds)

/** Readings at the start of a phase, for {@link cpuSince}; `server` may be undefined (remote). */
export const cpuMark = (server) => ({
  at: performance.now(),
  parts: partSeconds(server),
  generator: process.cpuUsage(),
  machine: machineCpuSeconds(),
})

/**
 * Seconds since `mark` and the CPU % of the server, the generator and the rest; for a group, also
 * `partsCpuPct`, each of its processes' share (`{ 'node 1': 80, redis: 30 }`).
 */
export const cpuSince = (server, mark) => {
  const seconds = (performance.now() - mark.at) / 1_000
  const parts = partsOf(server)
  const used = partSeconds(server).map((s, i) => s - mark.parts[i])
  const isLocal = parts.length > 0
  const serverSeconds = isLocal ? used.reduce((sum, s) => sum + s, 0) : NaN
  const { user, system } = process.cpuUsage(mark.generator)
  const generator = (user + system) / 1e6
  // Without a local server, "other" holds the server too, if it runs on this machine.
  const other = machineCpuSeconds() - mark.machine - (isLocal ? serverSeconds : 0) - generator
  const pct = (cpuSeconds) => Math.round((cpuSeconds / seconds) * 100)
  const cpu = {
    seconds: Math.round(seconds * 100) / 100,
    serverCpuPct: pct(serverSeconds),
    generatorCpuPct: pct(generator),
    otherCpuPct: Math.max(0, pct(other)),
  }
  if (server?.parts !== undefined)
    cpu.partsCpuPct = Object.fromEntries(parts.map((part, i) => [part.name, pct(used[i])]))
  return cpu
}
