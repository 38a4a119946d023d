/**
 * `promise`, or a rejection saying what was awaited when it does not settle within `timeoutMs`:
 * a failing test then says so in seconds, not at the test timeout.
 */
export const within = <T>(timeoutMs: number, what: string, promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: not within ${timeoutMs} ms`))
    }, timeoutMs)
  })
  return Promise.race([promise, expired]).finally(() => {
    clearTimeout(timer)
  })
}
