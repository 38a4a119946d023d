import { describe, expect, it } from 'vitest'
import { nextDeathCount, restartDelayMs } from './restart-delay.js'

describe('restart delay', () => {
  it('doubles from 100 ms with each death in a row and stops at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 1_000].map((deaths) => restartDelayMs(deaths))).toEqual([
      100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000,
    ])
  })

  it('starts over after a worker that lived 30 s, and keeps counting after one that did not', () => {
    expect(nextDeathCount(6, 30_000)).toBe(1)
    expect(nextDeathCount(6, 29_999)).toBe(7)
    expect(restartDelayMs(nextDeathCount(6, 45_000))).toBe(100)
  })

  it('takes other bounds', () => {
    const options = { minMs: 10, maxMs: 50, resetAfterMs: 1_000 }
    expect([1, 2, 3, 4].map((deaths) => restartDelayMs(deaths, options))).toEqual([10, 20, 40, 50])
    expect(nextDeathCount(3, 1_000, options)).toBe(1)
  })
})
