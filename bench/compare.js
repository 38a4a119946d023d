/**
 * The side-by-side comparison: every target in one invocation, interleaved (A B C A B C …) so that
 * a change in the machine's load falls on all of them alike, each run on a fresh server, and per
 * target the median of its runs.
 */
import { median } from './median.js'
import { createProgress } from './progress.js'
import { partsLine } from './report.js'
import { runTarget } from './run.js'

const n = (x) => Math.round(x).toLocaleString('en-US')

/** One line about a finished run, for logs. */
const runLine = (name, r) => {
  const { closedLoop: c, setup, memory } = r
  const rates = r.rates.map(
    (x) => `${x.rate}/s p99 ${x.latency.p99Ms.toFixed(1)} ms${x.isHeld ? '' : ' NOT held'}`,
  )
  return (
    `${name}: ${n(c.deliveriesPerSec)} deliveries/s (server CPU ${c.serverCpuPct} %, bench CPU ` +
    `${c.generatorCpuPct} %, other ${c.otherCpuPct} %` +
    (c.partsCpuPct === undefined ? '' : `; server: ${partsLine(c.partsCpuPct)}`) +
    `), ${n(setup.perSec)} connections/s, ` +
    `${n(memory.bytesPerConnection)} B/connection, ${rates.join(', ')}`
  )
}

/** Sums counters over runs. */
const sumCounts = (objects) => {
  const sum = {}
  for (const counts of objects)
    for (const [key, value] of Object.entries(counts)) sum[key] = (sum[key] ?? 0) + value
  return sum
}

/** Runs the comparison; resolves with `{ skipped, targets: { name: { median, runs, … } } }`. */
export const compare = async (config, { root }) => {
  const runnable = []
  const skipped = {}
  for (const target of config.targets) {
    const reason = target.unavailable()
    if (reason === undefined) runnable.push(target)
    else skipped[target.name] = reason
  }
  const progress = createProgress(runnable.length * config.repeats)
  for (const [name, reason] of Object.entries(skipped))
    progress.say(`bench: skipping ${name}: ${reason}`)
  const runs = new Map(runnable.map((target) => [target, []]))
  const failures = new Map(runnable.map((target) => [target, []]))
  for (let repeat = 1; repeat <= config.repeats; repeat++) {
    for (const target of runnable) {
      const label = `${target.name} #${repeat}`
      progress.startRun(label)
      try {
        const result = await runTarget(target, config, { root, onPhase: progress.phase })
        runs.get(target).push(result)
        progress.endRun(runLine(label, result))
      } catch (err) {
        const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]
        failures.get(target).push(message)
        progress.say(`bench: ${label} failed: ${message}`)
        progress.endRun(`${label} failed`)
      }
    }
  }
  progress.finish()
  const targets = {}
  for (const target of runnable) {
    const done = runs.get(target)
    const figures = done.map(({ setup, memory, closedLoop, rates }) => ({
      setup,
      memory,
      closedLoop,
      rates,
    }))
    targets[target.name] = {
      describe: target.describe,
      median: done.length > 0 ? median(figures) : undefined,
      info: median(done.map((r) => r.info)),
      errors: sumCounts(done.map((r) => r.errors)),
      failures: failures.get(target),
      runs: done,
    }
  }
  return { skipped, targets }
}
