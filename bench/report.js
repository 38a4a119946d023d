/** The fan-out benchmark's output: a small table on stdout and the full result as JSON. */
import { mkdirSync, writeFileSync } from 'node:fs'
import process from 'node:process'
import { fileURLToPath, URL } from 'node:url'

const n = (x) => Math.round(x).toLocaleString('en-US')
const ms = (x) => x.toFixed(x < 10 ? 2 : 1)
const mib = (x) => `${x.toFixed(0)} MiB`
const cols = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(17) : c.padStart(13))).join('')
const row = (name, r) =>
  cols([
    name,
    n(r.publishesPerSec),
    n(r.deliveriesPerSec),
    ms(r.latency.p50Ms),
    ms(r.latency.p99Ms),
    ms(r.latency.maxMs),
    `${r.serverCpuPct} %`,
    `${r.generatorCpuPct} %`,
    `${r.otherCpuPct} %`,
  ])

/** Writes `result` as JSON to `url` (creating its directory) and prints the table. */
export const writeResult = (url, result) => {
  mkdirSync(new URL('.', url), { recursive: true })
  writeFileSync(url, `${JSON.stringify(result, null, 2)}\n`)
  const { machine, config, saturation: sat, fixedConfig, fixed, memory, integrity } = result
  const notes = [
    sat.paceBound ? "bound by the publishers' pacing, not the server: raise --publishers" : '',
    sat.generatorCpuPct >= 90 ? 'bench CPU near one core: the generator may be the limit' : '',
    ...[
      [sat, 'the closed loop'],
      [fixed, 'the fixed rate'],
    ].map(([r, phase]) =>
      r.otherCpuPct > 40
        ? `${r.otherCpuPct} % CPU went elsewhere during ${phase}: other work ran, figures skewed`
        : '',
    ),
  ].filter((note) => note !== '')
  const lines = [
    `hubbub fan-out: ${n(config.subscribers)} subscribers on one channel, ` +
      `${config.publishers} publisher connections, window ${config.window}`,
    `${machine.cpu}, node ${machine.node}, load average ${machine.load.join(' ')} at start`,
    '',
    cols(['', 'publishes/s', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU']) +
      cols(['', 'bench CPU', 'other CPU']).slice(17),
    row(`closed loop ${config.seconds} s`, sat),
    row(`${fixedConfig.rate}/s for ${fixedConfig.seconds} s`, fixed),
    '',
    `closed loop, deliveries per second: ${sat.perSecond.map(n).join(', ')}`,
    ...notes.map((note) => `  note: ${note}`),
    `${fixedConfig.rate}/s held: ${fixed.held ? 'yes' : 'NO'} (${fixed.sentPerSec}/s sent, ` +
      `sends up to ${ms(fixed.maxSendLagMs)} ms late; ${fixed.deliveredPct} % delivered by the ` +
      'last send)',
    `server RSS: ${mib(memory.idleMiB)} idle, ${mib(memory.subscribedMiB)} with the subscribers ` +
      `(~${memory.kibPerSubscriber} KiB each), ${mib(memory.afterLoadMiB)} after the closed loop, ` +
      `peak ${mib(memory.peakMiB)}`,
    `deliveries: ${integrity.frameBytes} B frames, missing ${integrity.missing}, ` +
      `gaps ${integrity.gaps}, duplicates ${integrity.dups}; ` +
      `errors and closes: ${JSON.stringify(integrity.errors)}`,
    `written to ${fileURLToPath(url)}`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
