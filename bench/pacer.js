/**
 * Publisher pacing, the same for every target: publishes go round-robin over P connections, each
 * held under `paceEach` per second (token bucket, `burst` deep). hubbub refuses more than 100
 * frames/s per connection (burst 200), so the pace stays under that; the other targets get the same
 * publishers so that the method does not change with the target.
 */
import { performance } from 'node:perf_hooks'

/** Returns `take()`: the next publisher with a token left, or undefined when all are at pace. */
export const createPacer = (publishers, paceEach, burst) => {
  const buckets = publishers.map((publisher) => ({ publisher, tokens: burst, at: 0 }))
  let turn = 0
  return () => {
    const now = performance.now()
    for (let tries = 0; tries < buckets.length; tries++) {
      const bucket = buckets[turn]
      turn = (turn + 1) % buckets.length
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * paceEach) / 1_000)
      bucket.at = now
      if (bucket.tokens < 1) continue
      bucket.tokens -= 1
      return bucket.publisher
    }
    return undefined
  }
}
