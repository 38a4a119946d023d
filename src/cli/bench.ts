/**
 * `hubbub bench [url]`: the fan-out benchmark of `npm run bench` against a running server. The
 * load generator is the repository's bench/ code (plain JavaScript, shipped in the package), so
 * that the figures mean exactly what docs/performance.md says.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { clientOptions, DEFAULT_URL, resolveServerUrl } from './client-flags.js'
import { Failure } from './failure.js'
import { openRawSocket } from './raw-socket.js'
import { ExitCode, parseCount, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'bench'

/** What bench/remote.js exports (see there). */
interface RemoteBench {
  runRemote(url: string, settings: Settings, onPhase: (name: string) => void): Promise<unknown>
  remoteReport(result: unknown): string[]
}

interface Settings {
  subscribers: number
  seconds: number
  window: number
  rateSeconds: number
}

const remoteModule = new URL('../../bench/remote.js', import.meta.url)

const help = `Usage: hubbub bench [url] [options]

Measures a running hubbub server the way \`npm run bench\` does (docs/performance.md):
connection setup rate, deliveries per second with at most <window> messages in flight
(each in flight until every subscriber has it), and latency at 50, 100 and 200
messages/s. The load goes to the channel "bench". The server's CPU and memory come
from its sys:metrics channel when it has one (hubbub serve does).

A server allows 1,000 connections per IP address by default: subscribers plus
publishers (about 2,000,000 / subscribers / 90 of them) must stay below that, unless
the URL is a loopback address (connections then come from 127.0.0.2, 127.0.0.3, ...).

Options:
      --subscribers <n>  subscribers taking the load (default 500)
      --seconds <n>      measured seconds of the closed loop (default 5)
      --window <n>       messages in flight in the closed loop (default 20)
      --rate-seconds <n> seconds at each fixed rate (default 4)
      --json             print the whole result as JSON instead of the table
  -u, --url <url>        the server (env HUBBUB_URL, default ${DEFAULT_URL})
  -h, --help             show this help

Exit codes: 0 measured; 1 the server cannot be reached or failed the run; 2 usage error.

Examples:
  hubbub bench
  hubbub bench ws://localhost:8765 --subscribers 1000
  hubbub bench wss://hub.example.com --subscribers 200 --json > bench.json
`

const positive = (value: string | undefined, flag: string, fallback: number): number => {
  if (value === undefined) return fallback
  const count = parseCount(value, flag, NAME)
  if (count === 0) throw new UsageError(`${flag} must be 1 or more`, NAME)
  return count
}

const run = async (args: string[]): Promise<ExitCode> => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        url: clientOptions.url,
        help: clientOptions.help,
        subscribers: { type: 'string' },
        seconds: { type: 'string' },
        window: { type: 'string' },
        'rate-seconds': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }),
  )
  if (values.help) {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const [positional, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  const url = resolveServerUrl({ url: values.url, positional }, process.env, NAME)
  const settings: Settings = {
    subscribers: positive(values.subscribers, '--subscribers', 500),
    seconds: positive(values.seconds, '--seconds', 5),
    window: positive(values.window, '--window', 20),
    rateSeconds: positive(values['rate-seconds'], '--rate-seconds', 4),
  }
  if (!existsSync(fileURLToPath(remoteModule)))
    throw new Failure(`the load generator ${fileURLToPath(remoteModule)} is missing`)
  // Unreachable servers get the one line every client command gives.
  ;(await openRawSocket(url, ['hubbub.v1'])).terminate()
  const bench = (await import(remoteModule.href)) as RemoteBench
  const onPhase = (name: string): void => {
    if (process.stderr.isTTY) process.stderr.write(`\r\u001b[2Kbench: ${name}…`)
  }
  let result: unknown
  try {
    result = await bench.runRemote(url, settings, onPhase)
  } catch (error) {
    throw new Failure(
      `the benchmark failed: ${error instanceof Error ? error.message : String(error)}`,
    )
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\r\u001b[2K')
  }
  const text = values.json ? JSON.stringify(result, null, 2) : bench.remoteReport(result).join('\n')
  process.stdout.write(`${text}\n`)
  return ExitCode.Ok
}

export const bench: Command = {
  name: NAME,
  summary: 'measure a running server: setup rate, deliveries/s, latency',
  help,
  run,
}
