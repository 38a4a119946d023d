/**
 * Runs async tasks one at a time per key, in the order given: read-modify-write sequences on one
 * user's or board's State keys must not interleave on this node. Keys with nothing queued hold no
 * memory.
 */
export interface KeyedQueue {
  /** Queues `task` behind the earlier tasks of `key`; settles as `task` does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>
  /** Resolves when every task queued so far has settled. */
  idle(): Promise<void>
}

export const createKeyedQueue = (): KeyedQueue => {
  const tails = new Map<string, Promise<void>>()
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve()
      const result = previous.then(task)
      // The chain only orders tasks: each task's caller gets its rejection from `result`.
      const tail = result.then(
        () => undefined,
        () => undefined,
      )
      tails.set(key, tail)
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key)
      })
      return result
    },
    async idle() {
      await Promise.all(tails.values())
    },
  }
}
