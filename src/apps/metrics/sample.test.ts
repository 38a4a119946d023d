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
})
