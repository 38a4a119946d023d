import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')

/**
 * A full garbage collection, so that memory figures show what is still referenced rather than
 * what the collector has not reached yet. (`--expose-gc` set at run time, then `gc` fetched from
 * a fresh context, where V8 installs it.)
 */
export const collectGarbage = runInNewContext('gc') as () => void

/**
 * {@link collectGarbage}, repeated across a few event-loop turns: the backing stores of dead
 * Buffers are freed by a sweeper that may finish after `gc()` returns, and sockets closed by the
 * previous test release theirs on their close events. Use before reading `arrayBuffers`.
 */
export const settleGarbage = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) {
    collectGarbage()
    await new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
  }
  collectGarbage()
}
