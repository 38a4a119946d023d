import { describe, expect, it } from 'vitest'
import { createSampler } from './sample.js'

describe('createSampler', () => {
  it('turns the hub counters into per-second rates over the time since the previous sample', () => {
    const clock = { nowMs: 1_000 }
    const stats = { connections: 3, messagesIn: 10, messagesOut: 20 }
    const sample = createSampler(
      'n',
      () => ({ ...stats }),
      () => clock.nowMs,
    )
    clock.nowMs += 500
    Object.assign(stats, { connections: 7, messagesIn: 110, messagesOut: 2_020 })
    expect(sample()).toMatchObject({
      node: 'n',
      connections: 7,
      messagesInPerSec: 200,
      messagesOutPerSec: 4_000,
    })
    clock.nowMs += 2_000
    stats.messagesIn += 1
    expect(sample()).toMatchObject({ messagesInPerSec: 0.5, messagesOutPerSec: 0 })
    // No time passed: no rate rather than a division by zero.
    expect(sample()).toMatchObject({ cpuPercent: 0, messagesInPerSec: 0 })
  })

  it('keeps sampling when memoryUsage throws (EMFILE: no file descriptor left)', () => {
    let fails = false
    const read = () => {
      if (fails) throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })
      return { rss: 123_456, heapUsed: 1_000 }
    }
    const stats = { connections: 1, messagesIn: 0, messagesOut: 0 }
    const sample = createSampler('n', () => stats, undefined, read)
    expect(sample()).toMatchObject({ rssBytes: 123_456, heapUsedBytes: 1_000 })
    fails = true
    const next = sample()
    expect(next.rssBytes).toBe(123_456)
    expect(next.heapUsedBytes).toBeGreaterThan(0)
  })
})
