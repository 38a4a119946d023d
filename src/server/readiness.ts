import { isPingable, type Engine } from '../engine/types.js'

/** What `/readyz` answers. */
export type Readiness =
  | { readonly isReady: true }
  | { readonly isReady: false; readonly reason: 'draining' | 'engine'; readonly message: string }

/**
 * A readiness check: not ready while the node drains (shutdown) or while its engine does not
 * answer a ping within `timeoutMs`. Concurrent probes share one ping, so a probe storm costs one
 * round trip. In-process engines (memory, SQLite) are ready whenever the server runs.
 */
export const createReadinessCheck = (
  engine: Engine,
  isDraining: () => boolean,
  timeoutMs: number,
): (() => Promise<Readiness>) => {
  let inFlight: Promise<Readiness> | undefined
  const ping = async (): Promise<Readiness> => {
    if (!isPingable(engine)) return { isReady: true }
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        engine.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`the engine did not answer within ${timeoutMs} ms`))
          }, timeoutMs)
        }),
      ])
      return { isReady: true }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      return { isReady: false, reason: 'engine', message }
    } finally {
      clearTimeout(timer)
    }
  }
  return async () => {
    if (isDraining())
      return { isReady: false, reason: 'draining', message: 'the node is shutting down' }
    inFlight ??= ping().finally(() => {
      inFlight = undefined
    })
    const answer = await inFlight
    // Shutdown may have begun during the ping.
    return isDraining()
      ? { isReady: false, reason: 'draining', message: 'the node is shutting down' }
      : answer
  }
}
