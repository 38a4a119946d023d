import { describe, expect, it } from 'vitest'
import { createTokenBucket, createWindowCounter } from './rate-limit.js'

describe('token bucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const bucket = createTokenBucket(10, 3)
    expect([0, 0, 0, 0].map(() => bucket.take(1000))).toEqual([true, true, true, false])
    expect(bucket.take(1050)).toBe(false)
    expect(bucket.take(1100)).toBe(true)
    expect(bucket.take(1100)).toBe(false)
    expect([1, 2, 3, 4].map(() => bucket.take(10_000))).toEqual([true, true, true, false])
  })
})

describe('window counter', () => {
  it('says when hits within a window pass the limit, and starts over in the next one', () => {
    const counter = createWindowCounter(2, 1000)
    expect([0, 10, 20].map((t) => counter.hit(t))).toEqual([false, false, true])
    expect(counter.hit(1500)).toBe(false)
  })
})
