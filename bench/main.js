/**
 * `npm run bench`: hubbub side by side with a raw `ws` broadcast server (plain and corked),
 * Socket.IO 4 rooms and NATS, from one load generator (this process; each server is a child
 * process), on loopback. What each figure means and how it is measured: docs/performance.md.
 *
 * `--soak <duration>` and `--connections <n>` run bench/soak.js and bench/connections.js instead,
 * given every argument.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { fileURLToPath, URL } from 'node:url'
import { compare } from './compare.js'
import { parseConfig, usage, UsageError } from './config.js'
import { reportLines, summaryLine, writeJson } from './report.js'
import { BASELINE } from './targets/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const argv = process.argv.slice(2)

/** The other benchmarks, chosen by a flag: module and function. */
const modes = [
  ['--soak', './soak.js', 'runSoak'],
  ['--connections', './connections.js', 'runConnections'],
]

const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100)

const runMode = async ([flag, path, name]) => {
  let module
  try {
    module = await import(path)
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(path.slice(2)))
      throw err
    process.stderr.write(`bench: ${flag} needs bench/${path.slice(2)}, which does not exist yet\n`)
    process.exit(2)
  }
  return await module[name]({ argv }) // the exit code: 0 passed, 1 failed, 2 bad command line
}

const runComparison = async () => {
  let config
  try {
    config = parseConfig(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`bench: ${err.message}\n${usage}\n`)
    process.exit(2)
  }
  if (config.isHelp) return void process.stdout.write(`${usage}\n`)
  const started = performance.now()
  const machine = {
    date: new Date().toISOString(),
    cpu: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    node: process.version,
    loadStart: loadAverage(),
  }
  const { skipped, targets } = await compare(config, { root })
  machine.loadEnd = loadAverage()
  const seconds = Math.round((performance.now() - started) / 1_000)
  const settings = { ...config, targets: config.targets.map((target) => target.name) }
  const result = { machine, config: settings, seconds, skipped, targets }
  const name = `compare-${machine.date.replace(/[:.]/g, '-')}${config.isQuick ? '-quick' : ''}`
  const url = new URL(`results/${name}.json`, import.meta.url)
  writeJson(url, result)
  const lines = reportLines(result, BASELINE)
  process.stdout.write(`${lines.join('\n')}\n${summaryLine(result, BASELINE, url)}\n`)
}

// However it ends, the servers (child processes) end with it: exit runs their SIGKILL.
process.once('SIGINT', () => process.exit(130))
process.once('SIGTERM', () => process.exit(143))

const mode = modes.find(([flag]) => argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`)))
;(mode === undefined ? runComparison() : runMode(mode)).then(
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (err) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
