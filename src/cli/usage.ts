/**
 * What every command shares: the command shape, usage errors (exit 2) and their parsing helpers.
 */
/** Process exit codes of the `hubbub` command. */
export const ExitCode = {
  Ok: 0,
  /** Something failed at run time (the port is taken, the server crashed). */
  Runtime: 1,
  /** The command line was wrong: unknown command or option, bad value. */
  Usage: 2,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A subcommand, e.g. `hubbub serve`. One file per command exports one of these. */
export interface Command {
  readonly name: string
  /** One line for `hubbub --help`. */
  readonly summary: string
  /** The full text of `hubbub <name> --help`, ending with a newline. */
  readonly help: string
  /**
   * Runs the command with the arguments after its name. Resolves with the exit code; throws
   * {@link UsageError} for a bad command line, anything else for a runtime failure.
   */
  run(args: string[]): Promise<ExitCode>
}

/** A bad command line. `command` names the command whose `--help` the hint points to. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message)
  }
}

/** The one line printed on stderr for a usage error, hint to `--help` included. */
export const formatUsageError = (error: UsageError): string => {
  const help = error.command === undefined ? 'hubbub --help' : `hubbub ${error.command} --help`
  return `hubbub: ${error.message} (see '${help}')`
}

const hasCode = (error: unknown): error is Error & { code: string } =>
  error instanceof Error && 'code' in error && typeof error.code === 'string'

/**
 * Runs a `util.parseArgs` call (strict mode), turning its errors (unknown option, missing value,
 * stray positional) into {@link UsageError}s for `command`; other errors pass through.
 */
export const withUsageErrors = <T>(command: string | undefined, parse: () => T): T => {
  try {
    return parse()
  } catch (error) {
    if (hasCode(error) && error.code.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError(firstLine(error.message), command)
    throw error
  }
}

/** parseArgs messages start with a capital and may span lines; ours are one lower-case line. */
const firstLine = (text: string): string => {
  const line = (text.split('\n')[0] ?? text).trim()
  return (line.charAt(0).toLowerCase() + line.slice(1)).replace(/\.$/, '')
}

/**
 * Parses a TCP port: decimal digits only, 0 to 65535 (0 asks for a free one). `source` names
 * where the value came from (`--port`, `PORT`) for the error.
 */
export const parsePort = (value: string, source: string, command: string): number => {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!(port >= 0 && port <= 65_535))
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected an integer from 0 to 65535`,
      command,
    )
  return port
}

/** Checks `value` against the allowed `choices`, naming `source` in the error. */
export const parseChoice = <C extends string>(
  value: string,
  choices: readonly C[],
  source: string,
  command: string,
): C => {
  const choice = choices.find((candidate) => candidate === value)
  if (choice === undefined)
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected one of ${choices.join(', ')}`,
      command,
    )
  return choice
}

/** A non-empty environment variable, or undefined when unset or empty. */
export const envValue = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

/** Parses a count or a seq: decimal digits only, 0 or more, a safe integer. */
export const parseCount = (value: string, source: string, command: string): number => {
  const count = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(count))
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected a whole number, 0 or more`,
      command,
    )
  return count
}
