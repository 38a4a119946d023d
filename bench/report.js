/**
 * The comparison's output: two tables on stdout (throughput and memory; latency at the fixed
 * rates), with each figure's ratio to the baseline target (raw `ws`), notes on anything that
 * makes a figure doubtful, and the full result as JSON under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-')
const ms = (x) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0) : '-')
const ratio = (x, base) =>
  Number.isFinite(x / base) && base > 0 ? `${(x / base).toFixed(2)}×` : '-'
const pct = (x) => (Number.isFinite(x) ? `${x} %` : '-')
const table = (widths, rows) =>
  rows.map((cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[i]))).join(''),
  )

/** Writes `result` as JSON to `url`, creating its directory. */
export const writeJson = (url, result) => {
  mkdirSync(new URL('.', url), { recursive: true })
  writeFileSync(url, `${JSON.stringify(result, null, 2)}\n`)
}

/** The throughput, setup and memory table. */
const throughputTable = (entries, base) => {
  const head = ['', 'deliveries/s', 'vs ws', 'msgs/s', 'server CPU', 'bench CPU', 'other CPU']
  head.push('conn/s', 'vs ws', 'B/conn', 'vs ws')
  const rows = entries.map(([name, { median: m }]) => {
    if (m === undefined) return [name, 'failed']
    const c = m.closedLoop
    return [
      name,
      n(c.deliveriesPerSec),
      ratio(c.deliveriesPerSec, base?.closedLoop.deliveriesPerSec),
      n(c.messagesPerSec),
      pct(c.serverCpuPct),
      pct(c.generatorCpuPct),
      pct(c.otherCpuPct),
      n(m.setup.perSec),
      ratio(m.setup.perSec, base?.setup.perSec),
      n(m.memory.bytesPerConnection),
      ratio(m.memory.bytesPerConnection, base?.memory.bytesPerConnection),
    ]
  })
  return table([14, 13, 7, 8, 11, 10, 10, 9, 7, 10, 7], [head, ...rows])
}

/** The latency table: p50 / p99 / max ms at each fixed rate, and whether it was held. */
const latencyTable = (entries, base, rates) => {
  const head = ['', ...rates.map((rate) => `${rate}/s p50 / p99 / max ms`), 'p99 vs ws']
  const top = rates.at(-1)
  const rows = entries.map(([name, { median: m }]) => {
    if (m === undefined) return [name, 'failed']
    const cells = m.rates.map(({ latency: l, isHeld }) => {
      return `${ms(l.p50Ms)} / ${ms(l.p99Ms)} / ${ms(l.maxMs)}${isHeld ? '  ' : ' !'}`
    })
    const p99 = m.rates.at(-1)?.latency.p99Ms
    const baseP99 = base?.rates.at(-1)?.latency.p99Ms
    return [name, ...cells, `${ratio(p99, baseP99)} @${top}`]
  })
  return table([14, ...rates.map(() => 27), 12], [head, ...rows])
}

/** `{ 'node 1': 80, redis: 30 }` as `node 1 80 %, redis 30 %`. */
export const partsLine = (partsCpuPct) =>
  Object.entries(partsCpuPct)
    .map(([part, cpu]) => `${part} ${pct(cpu)}`)
    .join(', ')

/** Lines about what makes figures doubtful, target by target. */
const notes = (result) => {
  const lines = []
  const { config } = result
  for (const [name, t] of Object.entries(result.targets)) {
    const m = t.median
    for (const failure of t.failures) lines.push(`${name}: a run failed: ${failure}`)
    if (m === undefined) continue
    const c = m.closedLoop
    if (c.isPaceBound)
      lines.push(`${name}: bound by the publishers' pacing, not the server: raise --publishers`)
    if (c.partsCpuPct !== undefined)
      lines.push(`${name}: server CPU in the closed loop by process: ${partsLine(c.partsCpuPct)}`)
    if (c.generatorCpuPct >= 90)
      lines.push(`${name}: bench CPU ${c.generatorCpuPct} %: the generator may be the limit`)
    const phases = [['closed loop', c], ...m.rates.map((r) => [`${r.rate}/s`, r])]
    for (const [phase, r] of phases)
      if (r.otherCpuPct > 40)
        lines.push(`${name}: ${r.otherCpuPct} % CPU went elsewhere in ${phase}: figures skewed`)
    for (const r of m.rates)
      if (!r.isHeld)
        lines.push(
          `${name}: ${r.rate}/s not held (${r.sentPerSec}/s sent, backlog drained in ` +
            `${r.drainMs} ms, ${n(r.missing)} deliveries missing or over 5 s late)`,
        )
    const missing = c.missing + m.rates.reduce((sum, r) => sum + r.missing, 0)
    const dups = c.duplicates + m.rates.reduce((sum, r) => sum + r.duplicates, 0)
    if (missing > 0 || dups > 0)
      lines.push(
        `${name}: ${n(missing)} deliveries missing or over 5 s late, ${n(dups)} duplicated or later`,
      )
    if (Object.keys(t.errors).length > 0)
      lines.push(`${name}: errors over ${t.runs.length} runs: ${JSON.stringify(t.errors)}`)
  }
  const hubbub = Object.entries(result.targets).filter(([, t]) => t.info?.batch !== undefined)
  for (const [name, t] of hubbub)
    lines.push(`${name}: the server ${t.info.batch ? 'accepted' : 'did not accept'} batching`)
  for (const [name, reason] of Object.entries(result.skipped))
    lines.push(`${name}: skipped: ${reason}`)
  if (config.isQuick) lines.push('--quick: fewer subscribers and shorter phases; indicative only')
  return lines
}

/** The report as lines: header, the two tables, notes. */
export const reportLines = (result, baselineName) => {
  const { machine, config } = result
  const entries = Object.entries(result.targets)
  const base = result.targets[baselineName]?.median
  const runs = config.repeats === 1 ? 'one run each' : `median of ${config.repeats} runs each`
  return [
    `fan-out to ${n(config.subscribers)} subscribers on one channel, ${config.publishers} ` +
      `publisher connections, window ${config.window}; memory and setup with ${n(config.idle)} ` +
      `idle subscribers; ${runs}, interleaved`,
    `${machine.cpu}, node ${machine.node}, load average ${machine.loadStart.join(' ')} at ` +
      `start, ${machine.loadEnd.join(' ')} at the end; ${machine.date}`,
    '',
    ...throughputTable(entries, base),
    '',
    ...latencyTable(entries, base, config.rates),
    '(! = rate not held)',
    '',
    ...notes(result).map((line) => `note: ${line}`),
  ]
}

/** The one line that ends the output. */
export const summaryLine = (result, baselineName, url) => {
  const base = result.targets[baselineName]?.median
  const figures = Object.entries(result.targets)
    .filter(([, t]) => t.median !== undefined)
    .map(([name, { median: m }]) => {
      const versus =
        base === undefined
          ? ''
          : ` (${ratio(m.closedLoop.deliveriesPerSec, base.closedLoop.deliveriesPerSec)})`
      return `${name} ${n(m.closedLoop.deliveriesPerSec)}${versus}`
    })
  const minutes = (result.seconds / 60).toFixed(1)
  const ran = figures.length > 0 ? `deliveries/s ${figures.join(', ')}` : 'no target ran'
  return `bench: ${ran}; ${minutes} min; ${fileURLToPath(url)}`
}
