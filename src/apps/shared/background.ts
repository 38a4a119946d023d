import type { HubApi } from '../../server/index.js'

type Logger = HubApi['log']

/**
 * Work an app starts without a caller to report to (timer ticks, state publications after a
 * plain-text buzz): failures are logged with the app's logger, and `idle` lets the app's `close`
 * wait for the work still running, since the engine closes right after the apps.
 */
export interface Background {
  /** Tracks `work`; a rejection is logged at error level with `what`. */
  run(what: string, work: Promise<unknown>): void
  /** Resolves when every tracked piece of work has settled. */
  idle(): Promise<void>
}

export const createBackground = (log: Logger): Background => {
  const running = new Set<Promise<void>>()
  return {
    run(what, work) {
      const tracked = work.then(
        () => undefined,
        (err: unknown) => {
          log.error({ err }, `${what} failed`)
        },
      )
      running.add(tracked)
      void tracked.then(() => running.delete(tracked))
    },
    async idle() {
      while (running.size > 0) await Promise.all(running)
    },
  }
}
