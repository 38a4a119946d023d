import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { createCondition } from './condition.js'

/** The built CLI (`npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface Served {
  child: ChildProcess
  port: number
  /** Its first stdout line, `hubbub listening on <url>`. */
  line: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Everything it wrote to stderr so far (its log). */
  stderr(): string
  /** Everything it wrote to stdout so far, the first line included. */
  stdout(): string
  /** Resolves once its stderr matches `pattern`; fails after `timeoutMs`. */
  untilStderr(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Runs `hubbub serve` processes for a test file: `serve(args)` resolves once one is listening (on
 * the port its first line names); every process still running after a test is SIGKILLed.
 */
export const useServeProcesses = () => {
  const children = new Set<ChildProcess>()
  // A test process that ends early (a timeout, Ctrl+C) leaves no server behind.
  process.once('exit', () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  })
  afterEach(async () => {
    const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null)
    for (const child of running) child.kill('SIGKILL')
    await Promise.all(running.map((child) => once(child, 'exit')))
    children.clear()
  })

  /** Starts `hubbub serve <args>` with the test run's environment (less PORT, HUBBUB_DATA and HUBBUB_API_KEY) plus `extraEnv`. */
  const serve = async (args: string[], extraEnv: Record<string, string> = {}): Promise<Served> => {
    const env = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !['PORT', 'HUBBUB_DATA', 'HUBBUB_API_KEY'].includes(name),
        ),
      ),
      ...extraEnv,
    }
    const child = spawn(process.execPath, [CLI, 'serve', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(child)
    const exited = once(child, 'exit').then(() => ({
      code: child.exitCode,
      signal: child.signalCode,
    }))
    let stderr = ''
    let stdout = ''
    const output = createCondition()
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      output.changed()
    })
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout }), 'line'),
      exited.then((outcome) => {
        throw new Error(`hubbub serve exited (${JSON.stringify(outcome)}): ${stderr}`)
      }),
    ])) as [string]
    const port = Number(/:(\d+)$/.exec(line)?.[1])
    if (!(port > 0)) throw new Error(`unexpected first line: ${line}`)
    return {
      child,
      port,
      line,
      exited,
      stderr: () => stderr,
      stdout: () => stdout,
      async untilStderr(pattern, timeoutMs = 15_000) {
        await output.until(
          () => (pattern.test(stderr) ? true : undefined),
          () => `no ${String(pattern)} in stderr: ${stderr}`,
          timeoutMs,
        )
      },
      stop(signal) {
        child.kill(signal)
        return exited
      },
    }
  }
  return { serve }
}
