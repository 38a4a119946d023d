import { describe, expect, it } from 'vitest'
import { backoffDelayMs } from './backoff.js'

const options = { minMs: 500, maxMs: 20_000 }
/** The largest value `Math.random()` may return. */
const almostOne = 1 - Number.EPSILON

describe('backoffDelayMs', () => {
  it('caps the first delay at minMs and doubles the cap per attempt', () => {
    const caps = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, options, () => 1))
    expect(caps).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000])
  })

  it('never exceeds maxMs, however many attempts failed', () => {
    for (const attempt of [6, 7, 10, 30, 31, 1_000, Number.MAX_SAFE_INTEGER])
      expect(backoffDelayMs(attempt, options, () => almostOne)).toBeLessThan(options.maxMs)
    expect(backoffDelayMs(1_000, options, () => 1)).toBe(options.maxMs)
    expect(backoffDelayMs(1_000, options, () => 0.5)).toBe(options.maxMs / 2)
  })

  it('is full jitter: uniform from 0 to the cap, so a random 0 means no wait at all', () => {
    expect(backoffDelayMs(3, options, () => 0)).toBe(0)
    expect(backoffDelayMs(3, options, () => 0.25)).toBe(1_000)
    expect(backoffDelayMs(3, options, () => 0.75)).toBe(3_000)
  })

  it('draws from Math.random by default, within [0, cap)', () => {
    const delays = Array.from({ length: 2_000 }, () => backoffDelayMs(2, options))
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThan(2_000)
    }
    // Spread over the whole range, not clustered at the cap as plain exponential backoff is:
    // each quarter of the range holds roughly a quarter of 2,000 draws (far from 0 or 2,000).
    for (let quarter = 0; quarter < 4; quarter++) {
      const inQuarter = delays.filter(
        (delay) => delay >= quarter * 500 && delay < (quarter + 1) * 500,
      ).length
      expect(inQuarter).toBeGreaterThan(350)
      expect(inQuarter).toBeLessThan(650)
    }
  })

  it('gives finite delays for tiny and equal bounds', () => {
    expect(backoffDelayMs(0, { minMs: 1, maxMs: 20 }, () => almostOne)).toBeLessThan(1)
    expect(backoffDelayMs(40, { minMs: 1, maxMs: 20 }, () => 1)).toBe(20)
    expect(backoffDelayMs(5, { minMs: 300, maxMs: 300 }, () => 1)).toBe(300)
  })
})
