/**
 * Interactive CLI commands in a pseudo-terminal, without native modules: `pty-run.py` (Python's
 * standard `pty` module) gives the command a terminal, and a {@link Screen} replays its output so
 * tests check what a person would see.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { CLI } from './cli-process.js'
import { cliEnv, LINE_TIMEOUT_MS, type Outcome } from './cli-client.js'
import { createCondition } from './condition.js'
import { createScreen, type Screen } from './screen.js'

/** The system Python (Debian's python3 package): its standard library has `pty`. */
export const PYTHON = '/usr/bin/python3'
const DRIVER = fileURLToPath(new URL('./pty-run.py', import.meta.url))

export interface PtyProcess {
  child: ChildProcessWithoutNullStreams
  screen: Screen
  /** Everything written to the terminal so far, escape sequences included. */
  output(): string
  /** Types `keys` into the terminal (`\r` is Enter, `\u0003` is Ctrl+C). */
  type(keys: string): void
  /**
   * Resolves once `isShown(screen)` holds, checked after each piece of output; fails after
   * {@link LINE_TIMEOUT_MS} with the screen as it is.
   */
  waitFor(what: string, isShown: (screen: Screen) => boolean): Promise<void>
  exited: Promise<Outcome>
}

/** Starts and cleans up commands in pseudo-terminals for one test file. */
export const usePtys = () => {
  const running = new Set<PtyProcess>()
  afterEach(async () => {
    const processes = [...running]
    running.clear()
    for (const { child } of processes)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all(processes.map(({ exited }) => exited))
  })

  /** Starts `hubbub <args>` in a terminal of `columns` × `rows`. */
  const start = (
    args: string[],
    {
      columns = 80,
      rows = 24,
      env = cliEnv(),
    }: { columns?: number; rows?: number; env?: NodeJS.ProcessEnv } = {},
  ): PtyProcess => {
    const child = spawn(
      PYTHON,
      [DRIVER, String(columns), String(rows), process.execPath, CLI, ...args],
      { env: { TERM: 'xterm-256color', ...env }, stdio: 'pipe' },
    )
    const screen = createScreen(columns, rows)
    let output = ''
    let driverErrors = ''
    const condition = createCondition()
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      output += chunk
      screen.write(chunk)
      condition.changed()
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => (driverErrors += chunk))
    const exited = once(child, 'close').then(() => ({
      code: child.exitCode,
      signal: child.signalCode,
    }))
    const started: PtyProcess = {
      child,
      screen,
      output: () => output,
      type(keys) {
        child.stdin.write(keys)
      },
      async waitFor(what, isShown) {
        await condition.until(
          () => (isShown(screen) ? true : undefined),
          () => `${what}; the screen shows:\n${screen.rows().join('\n')}\n${driverErrors}`,
          LINE_TIMEOUT_MS,
        )
      },
      exited,
    }
    running.add(started)
    return started
  }
  return { start }
}
