#!/usr/bin/env node
/**
 * The `hubbub` command: a thin dispatcher. Each subcommand lives in its own file and exports a
 * `Command`; add it to `commands` below. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
import { parseArgs } from 'node:util'
import { Failure } from './failure.js'
import { ExitCode, formatUsageError, UsageError, withUsageErrors, type Command } from './usage.js'
import { packageVersion } from './version.js'

/**
 * Every command by name, in the order `hubbub --help` lists them. Each is loaded only when it
 * runs, so that a client command does not pay for loading the server (a quarter of a second).
 */
const commands: readonly (readonly [name: string, load: () => Promise<Command>])[] = [
  ['serve', async () => (await import('./serve.js')).serve],
  ['chat', async () => (await import('./chat.js')).chat],
  ['sub', async () => (await import('./sub.js')).sub],
  ['pub', async () => (await import('./pub.js')).pub],
  ['presence', async () => (await import('./presence.js')).presence],
  ['history', async () => (await import('./history.js')).history],
  ['connect', async () => (await import('./connect.js')).connectCommand],
  ['buzz', async () => (await import('./buzz.js')).buzz],
  ['token', async () => (await import('./token.js')).token],
  ['bench', async () => (await import('./bench.js')).bench],
]

const help = async (): Promise<string> => {
  const loaded = await Promise.all(commands.map(([, load]) => load()))
  const width = Math.max(...loaded.map((command) => command.name.length)) + 2
  const list = loaded
    .map((command) => `  ${command.name.padEnd(width)}${command.summary}`)
    .join('\n')
  return `Usage: hubbub <command> [options]

hubbub: a real-time messaging hub over WebSocket.

Commands:
${list}

Options:
  -h, --help     show this help (or 'hubbub <command> --help' for a command's)
  -v, --version  print the version

Client commands talk to ws://localhost:8765 unless --url or HUBBUB_URL say otherwise.

Exit codes: 0 ok, 1 runtime error (one line on stderr says why), 2 usage error.

Examples:
  hubbub serve
  hubbub chat --name Alice
  hubbub sub chat:lobby --json | jq .
  tail -f app.log | hubbub pub logs -
  hubbub connect ws://localhost:8765/echo
  hubbub serve --help
`
}

/** Global options come before the command name; everything after it belongs to the command. */
const dispatch = async (argv: string[]): Promise<ExitCode> => {
  const commandAt = argv.findIndex((arg) => !arg.startsWith('-'))
  const globalArgs = commandAt === -1 ? argv : argv.slice(0, commandAt)
  const { values } = withUsageErrors(undefined, () =>
    parseArgs({
      args: globalArgs,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    }),
  )
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`)
    return ExitCode.Ok
  }
  if (values.help) {
    process.stdout.write(await help())
    return ExitCode.Ok
  }
  const name = commandAt === -1 ? undefined : argv[commandAt]
  if (name === undefined) {
    process.stderr.write(await help())
    return ExitCode.Usage
  }
  const load = commands.find(([candidate]) => candidate === name)?.[1]
  if (load === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}`)
  const command = await load()
  return command.run(argv.slice(commandAt + 1))
}

const main = async (): Promise<void> => {
  try {
    process.exitCode = await dispatch(process.argv.slice(2))
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${formatUsageError(error)}\n`)
      process.exitCode = ExitCode.Usage
      return
    }
    // A Failure is expected and explained in one line; anything else is a bug: show its stack.
    const message =
      error instanceof Failure
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    process.stderr.write(`hubbub: ${message}\n`)
    process.exitCode = ExitCode.Runtime
  }
  // The server's sockets and timers are closed by now; exiting explicitly means a stray handle
  // (an app's timer, a logger, a client command's stdin) cannot keep the process alive.
  process.exit()
}

await main()
