/**
 * Client commands of the built CLI (`hubbub sub`, `pub`, `chat`, …) run as child processes with
 * piped stdio, as scripts run them: their output as lines to await, their stdin to write to, and
 * every process still running after a test SIGKILLed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { afterEach } from 'vitest'
import { CLI } from './cli-process.js'
import { createCondition } from './condition.js'
import { within } from './deadline.js'

/** How long a test waits for one expected line before failing with what it got instead. */
export const LINE_TIMEOUT_MS = 10_000

export interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
}

/** Lines of one output stream, complete ones only, as they arrive. */
export interface LineLog {
  /** Every complete line so far. */
  readonly lines: string[]
  /**
   * Resolves with the first line, at index `from` or later, matching `pattern`; fails after
   * {@link LINE_TIMEOUT_MS} showing what arrived.
   */
  next(pattern: RegExp, from?: number): Promise<string>
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams
  stdout: LineLog
  stderr: LineLog
  /** Writes to its stdin. */
  write(text: string): void
  /** Closes its stdin. */
  end(): void
  /** Resolves once it has exited and its output is read. */
  exited: Promise<Outcome>
}

const VARIABLES_OF_THE_CLI = ['PORT', 'HUBBUB_DATA', 'HUBBUB_URL', 'HUBBUB_LOG_LEVEL', 'NO_COLOR']

/** The test run's environment without what the CLI reads, plus `extra`. */
export const cliEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !VARIABLES_OF_THE_CLI.includes(name)),
  ),
  ...extra,
})

const lineLog = (stream: NodeJS.ReadableStream, describe: () => string): LineLog => {
  const lines: string[] = []
  const condition = createCondition()
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    condition.changed()
  })
  return {
    lines,
    next(pattern, from = 0) {
      return condition.until(
        () => lines.slice(from).find((line) => pattern.test(line)),
        () => `a line matching ${String(pattern)}\n${describe()}`,
        LINE_TIMEOUT_MS,
      )
    },
  }
}

/** Starts CLI client processes for one test file and SIGKILLs what still runs after each test. */
export const useCliClients = () => {
  const running = new Set<CliProcess>()
  afterEach(async () => {
    const processes = [...running]
    running.clear()
    for (const { child } of processes)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all(processes.map(({ exited }) => exited))
  })

  /** Starts `hubbub <args>` with piped stdin, stdout and stderr; SIGKILLed after the test. */
  const start = (args: string[], env: NodeJS.ProcessEnv = cliEnv()): CliProcess => {
    const started = launch(args, env)
    running.add(started)
    return started
  }
  return { start, run }
}

const launch = (args: string[], env: NodeJS.ProcessEnv): CliProcess => {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: 'pipe' })
  const exited = once(child, 'close').then(() => ({
    code: child.exitCode,
    signal: child.signalCode,
  }))
  const describe = (): string =>
    `hubbub ${args.join(' ')}\nstdout: ${JSON.stringify(stdout.lines)}\nstderr: ${JSON.stringify(stderr.lines)}`
  const stdout = lineLog(child.stdout, describe)
  const stderr = lineLog(child.stderr, describe)
  return {
    child,
    stdout,
    stderr,
    write(text) {
      child.stdin.write(text)
    },
    end() {
      child.stdin.end()
    },
    exited,
  }
}

/**
 * Runs `hubbub <args>` to its end, with `input` on its stdin, and resolves with all it printed.
 * It is SIGKILLed if it does not end within twice {@link LINE_TIMEOUT_MS}; nothing is left for
 * later, so tests that only `run` may run concurrently.
 */
export const run = async (
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Outcome & { stdout: string; stderr: string }> => {
  const started = launch(args, options.env ?? cliEnv())
  started.child.stdin.end(options.input ?? '')
  let stdout = ''
  let stderr = ''
  started.child.stdout.on('data', (chunk: string) => (stdout += chunk))
  started.child.stderr.on('data', (chunk: string) => (stderr += chunk))
  try {
    const outcome = await within(
      LINE_TIMEOUT_MS * 2,
      `hubbub ${args.join(' ')} to exit`,
      started.exited,
    )
    return { ...outcome, stdout, stderr }
  } finally {
    if (started.child.exitCode === null && started.child.signalCode === null)
      started.child.kill('SIGKILL')
  }
}
