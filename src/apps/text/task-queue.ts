/**
 * Runs async tasks one after another, in the order given: a text connection's messages must reach
 * the hub in order, and only after its session has subscribed.
 */
export interface TaskQueue {
  /** Queues `task`; if it throws or rejects, `onError` gets the error and the queue goes on. */
  run(task: () => void | Promise<void>): void
  /** Resolves when every task queued so far has finished. */
  idle(): Promise<void>
}

export const createTaskQueue = (onError: (error: unknown) => void): TaskQueue => {
  let tail: Promise<void> = Promise.resolve()
  return {
    run(task) {
      tail = tail.then(task).catch(onError)
    },
    idle: () => tail,
  }
}
