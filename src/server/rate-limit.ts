/** A token bucket: `take()` succeeds while tokens remain; they refill at `ratePerSecond` up to `burst`. */
export interface TokenBucket {
  take(nowMs: number): boolean
}

// Classes, not closures: every connection holds these, and an instance is one small object where
// a closure costs a function, its context and a wrapper object.

class Bucket implements TokenBucket {
  readonly #ratePerSecond: number
  readonly #burst: number
  #tokens: number
  #lastMs = 0

  constructor(ratePerSecond: number, burst: number) {
    this.#ratePerSecond = ratePerSecond
    this.#burst = burst
    this.#tokens = burst
  }

  take(nowMs: number): boolean {
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((nowMs - this.#lastMs) * this.#ratePerSecond) / 1000,
    )
    this.#lastMs = nowMs
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

export const createTokenBucket = (ratePerSecond: number, burst: number): TokenBucket =>
  new Bucket(ratePerSecond, burst)

/** Counts events in a fixed window; `hit()` says whether the count has passed `limit`. */
export interface WindowCounter {
  hit(nowMs: number): boolean
}

class Counter implements WindowCounter {
  readonly #limit: number
  readonly #windowMs: number
  #count = 0
  #windowStartMs = -Infinity

  constructor(limit: number, windowMs: number) {
    this.#limit = limit
    this.#windowMs = windowMs
  }

  hit(nowMs: number): boolean {
    if (nowMs - this.#windowStartMs >= this.#windowMs) {
      this.#windowStartMs = nowMs
      this.#count = 0
    }
    this.#count += 1
    return this.#count > this.#limit
  }
}

export const createWindowCounter = (limit: number, windowMs: number): WindowCounter =>
  new Counter(limit, windowMs)
