#!/usr/bin/env node
/**
 * The `hubbub` command: a thin dispatcher. Each subcommand lives in its own file and exports a
 * `Command`; add it to `commands` below. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
import { parseArgs } from 'node:util'
import { serve } from './serve.js'
import { ExitCode, formatUsageError, UsageError, withUsageErrors, type Command } from './usage.js'
import { packageVersion } from './version.js'

const commands: readonly Command[] = [serve]

const help = (): string => {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2
  const list = commands
    .map((command) => `  ${command.name.padEnd(width)}${command.summary}`)
    .join('\n')
  return `Usage: hubbub <command> [options]

hubbub: a real-time messaging hub over WebSocket.

Commands:
${list}

Options:
  -h, --help     show this help (or 'hubbub <command> --help' for a command's)
  -v, --version  print the version

Examples:
  hubbub serve
  hubbub serve --port 9000
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
    process.stdout.write(help())
    return ExitCode.Ok
  }
  const name = commandAt === -1 ? undefined : argv[commandAt]
  if (name === undefined) {
    process.stderr.write(help())
    return ExitCode.Usage
  }
  const command = commands.find((candidate) => candidate.name === name)
  if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}`)
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
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`hubbub: ${message}\n`)
    process.exitCode = ExitCode.Runtime
  }
  // The server's sockets and timers are closed by now; exiting explicitly means a stray handle
  // (an app's timer, a logger) cannot keep a stopped server's process alive.
  process.exit()
}

await main()
