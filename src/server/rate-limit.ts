/** A token bucket: `take()` succeeds while tokens remain; they refill at `ratePerSecond` up to `burst`. */
export interface TokenBucket {
  take(nowMs: number): boolean
}

export const createTokenBucket = (ratePerSecond: number, burst: number): TokenBucket => {
  let tokens = burst
  let lastMs = 0
  return {
    take(nowMs) {
      tokens = Math.min(burst, tokens + ((nowMs - lastMs) * ratePerSecond) / 1000)
      lastMs = nowMs
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
  }
}

/** Counts events in a fixed window; `hit()` says whether the count has passed `limit`. */
export interface WindowCounter {
  hit(nowMs: number): boolean
}

export const createWindowCounter = (limit: number, windowMs: number): WindowCounter => {
  let count = 0
  let windowStartMs = -Infinity
  return {
    hit(nowMs) {
      if (nowMs - windowStartMs >= windowMs) {
        windowStartMs = nowMs
        count = 0
      }
      count += 1
      return count > limit
    },
  }
}
