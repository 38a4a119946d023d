/**
 * Who used the CPU during a phase, in % of one core: the server (all its threads), the generator
 * (this process), and the rest of the machine (loopback interrupts not charged to either, and
 * any other work, which skews the figures: the report flags it past 40 %).
 */
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { machineCpuSeconds, procCpuSeconds } from './proc.js'

/** CPU seconds of the server so far; NaN without a local pid (`hubbub bench <url>`). */
const serverSeconds = (pid) => (pid === undefined ? NaN : procCpuSeconds(pid))

/** Readings at the start of a phase, for {@link cpuSince}. */
export const cpuMark = (pid) => ({
  at: performance.now(),
  server: serverSeconds(pid),
  generator: process.cpuUsage(),
  machine: machineCpuSeconds(),
})

/** Seconds since `mark` and the CPU % of the server, the generator and the rest. */
export const cpuSince = (pid, mark) => {
  const seconds = (performance.now() - mark.at) / 1_000
  const server = serverSeconds(pid) - mark.server
  const { user, system } = process.cpuUsage(mark.generator)
  const generator = (user + system) / 1e6
  // Without a local server, "other" holds the server too, if it runs on this machine.
  const other = machineCpuSeconds() - mark.machine - (pid === undefined ? 0 : server) - generator
  const pct = (cpuSeconds) => Math.round((cpuSeconds / seconds) * 100)
  return {
    seconds: Math.round(seconds * 100) / 100,
    serverCpuPct: pct(server),
    generatorCpuPct: pct(generator),
    otherCpuPct: Math.max(0, pct(other)),
  }
}
