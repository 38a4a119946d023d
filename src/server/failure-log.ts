import type { Logger } from 'pino'

export interface FailureLogOptions {
  /** Lines per kind within one window; further ones are only counted. */
  maxFailureLogLines: number
  /** Window length, from a kind's first line. */
  failureLogWindowMs: number
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const
type Level = (typeof LEVELS)[number]
const isLevel = (name: string | symbol): name is Level =>
  (LEVELS as readonly (string | symbol)[]).includes(name)

/** Distinct kinds remembered; more share one budget (messages are the code's own, so few). */
const MAX_KINDS = 1_000
const OVERFLOW_KIND = '*'

interface Window {
  start: number
  lines: number
  suppressed: number
  timer: NodeJS.Timeout | undefined
  /** Writes the summary line, at the level and with the bindings of the suppressed lines. */
  summarize: (count: number) => void
}

/**
 * Whether a log call reports a failure: its first argument is an Error or carries `err`. Only
 * these are budgeted; `listening` and the like always get through.
 */
const isFailure = (args: unknown[]): boolean => {
  const [first] = args
  return first instanceof Error || (typeof first === 'object' && first !== null && 'err' in first)
}

const messageOf = (args: unknown[]): string => {
  const [first, second] = args
  if (typeof first === 'string') return first
  if (typeof second === 'string') return second
  return first instanceof Error ? first.message : ''
}

/** Counts failure lines per kind and window, and writes the "suppressed N" summaries. */
class FailureBudget {
  readonly #options: FailureLogOptions
  readonly #windows = new Map<string, Window>()

  constructor(options: FailureLogOptions) {
    this.#options = options
  }

  /** Whether a line of `kind` may be written now; `summarize` is used if it is not. */
  allow(kind: string, summarize: (count: number) => void): boolean {
    const now = performance.now()
    const key = this.#windows.has(kind) || this.#windows.size < MAX_KINDS ? kind : OVERFLOW_KIND
    let window = this.#windows.get(key)
    if (window !== undefined && now - window.start >= this.#options.failureLogWindowMs) {
      this.#close(key, window)
      window = undefined
    }
    if (window === undefined) {
      window = { start: now, lines: 0, suppressed: 0, timer: undefined, summarize }
      this.#windows.set(key, window)
    }
    if (window.lines < this.#options.maxFailureLogLines) {
      window.lines += 1
      return true
    }
    window.suppressed += 1
    if (window.timer === undefined) {
      const open = window
      open.summarize = summarize
      open.timer = setTimeout(
        () => {
          this.#close(key, open)
        },
        Math.max(0, open.start + this.#options.failureLogWindowMs - now),
      )
      open.timer.unref()
    }
    return false
  }

  /** Writes every pending summary now (at shutdown). */
  flush(): void {
    for (const [key, window] of this.#windows) this.#close(key, window)
  }

  #close(key: string, window: Window): void {
    clearTimeout(window.timer)
    if (this.#windows.get(key) === window) this.#windows.delete(key)
    if (window.suppressed > 0) window.summarize(window.suppressed)
  }
}

/** A logger whose failure lines are budgeted, and what writes the pending summaries. */
export interface FailureLog {
  logger: Logger
  flush(): void
}

/**
 * Wraps `logger` (and the children it makes) so that lines reporting a failure (an Error or an
 * `err` field) are rate-limited per kind, the level and message: `maxFailureLogLines` per
 * `failureLogWindowMs`, then one line `suppressed N "<message>" lines` when the window ends. A
 * client that makes every request fail (or a full disk) then costs a few lines a minute, not one
 * per request.
 */
export const limitFailureLogs = (logger: Logger, options: FailureLogOptions): FailureLog => {
  const budget = new FailureBudget(options)
  const wrap = (target: Logger): Logger => {
    /** The budgeted level methods of this logger, made on first use. */
    const methods = new Map<Level, (...args: unknown[]) => void>()
    const method = (level: Level) => {
      const known = methods.get(level)
      if (known !== undefined) return known
      const budgeted = (...args: unknown[]): void => {
        if (isFailure(args)) {
          const message = messageOf(args)
          const summarize = (count: number): void => {
            target[level](
              { suppressed: count, windowMs: options.failureLogWindowMs },
              `suppressed ${count} ${JSON.stringify(message)} lines in ${options.failureLogWindowMs} ms`,
            )
          }
          if (!budget.allow(`${level} ${message}`, summarize)) return
        }
        // Fetched each time: pino swaps a level's method for a no-op when the level changes.
        Reflect.apply(Reflect.get<Logger, Level>(target, level), target, args)
      }
      methods.set(level, budgeted)
      return budgeted
    }
    return new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver)
        if (typeof value !== 'function') return value
        if (property === 'child')
          return (...args: unknown[]): Logger => wrap(Reflect.apply(value, object, args) as Logger)
        return isLevel(property) ? method(property) : value
      },
    })
  }
  return {
    logger: wrap(logger),
    flush() {
      budget.flush()
    },
  }
}
