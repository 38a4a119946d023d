/**
 * Waiting in tests for something that output makes true (a line, a screen), without sleeping:
 * producers call `changed()` after each change; `until` checks then.
 */
export interface Condition {
  /** Something changed: re-check every pending `until`. */
  changed(): void
  /**
   * Resolves with `check()`'s first defined value, checked now and after every change; fails after
   * `timeoutMs` with `describe()` as things are at that moment.
   */
  until<T>(check: () => T | undefined, describe: () => string, timeoutMs: number): Promise<T>
}

export const createCondition = (): Condition => {
  const pending = new Set<() => void>()
  return {
    changed() {
      for (const recheck of [...pending]) recheck()
    },
    until(check, describe, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(recheck)
          reject(new Error(`not within ${timeoutMs} ms: ${describe()}`))
        }, timeoutMs)
        const recheck = (): void => {
          const value = check()
          if (value === undefined) return
          pending.delete(recheck)
          clearTimeout(timer)
          resolve(value)
        }
        pending.add(recheck)
        recheck()
      })
    },
  }
}
