import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Member } from '../../protocol/index.js'
import { createTypingRelay, createTypistWatch, type TypingSignal } from './json-chat-typing.js'

const timings = { repeatMs: 1_000, expiryMs: 2_000 }
const bob: Member = { client: 'c-bob', user: 'u-bob', name: 'Bob' }
const bobTab: Member = { client: 'c-bob-2', user: 'u-bob', name: 'Bob' }

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('createTypingRelay', () => {
  it('signals true once a second while typing goes on, and false on stop or 2 s of silence', () => {
    const signals: TypingSignal[] = []
    const relay = createTypingRelay((data) => signals.push(data), timings)
    relay.typing()
    relay.typing()
    vi.advanceTimersByTime(500)
    relay.typing()
    expect(signals).toEqual([{ typing: true }])
    vi.advanceTimersByTime(600)
    relay.typing()
    expect(signals).toEqual([{ typing: true }, { typing: true }])
    relay.stopped()
    relay.stopped()
    expect(signals).toEqual([{ typing: true }, { typing: true }, { typing: false }])
    signals.length = 0
    relay.typing()
    vi.advanceTimersByTime(1_999)
    expect(signals).toEqual([{ typing: true }])
    vi.advanceTimersByTime(1)
    expect(signals).toEqual([{ typing: true }, { typing: false }])
  })

  it('says nothing after a message was sent or the relay was disposed', () => {
    const signals: TypingSignal[] = []
    const relay = createTypingRelay((data) => signals.push(data), timings)
    relay.typing()
    relay.sent()
    relay.stopped()
    vi.advanceTimersByTime(5_000)
    relay.typing()
    relay.dispose()
    vi.advanceTimersByTime(5_000)
    expect(signals).toEqual([{ typing: true }, { typing: true }])
  })
})

describe('createTypistWatch', () => {
  it('starts once per person, stops on false, message, leave of that connection, or expiry', () => {
    const seen: string[] = []
    const watch = createTypistWatch(2_000, {
      onStart: (name) => seen.push(`start ${name}`),
      onStop: (name) => seen.push(`stop ${name}`),
    })
    watch.signal(bob, { typing: true })
    watch.signal(bobTab, { typing: true })
    watch.signal(bob, { typing: false })
    expect(seen).toEqual(['start Bob', 'stop Bob'])
    watch.signal(bob, { typing: true })
    watch.messaged('u-bob')
    watch.signal(bob, { typing: true })
    watch.left(bobTab)
    expect(seen).toEqual(['start Bob', 'stop Bob', 'start Bob', 'stop Bob', 'start Bob'])
    watch.left(bob)
    watch.signal(bob, { typing: true })
    vi.advanceTimersByTime(1_500)
    watch.signal(bob, { typing: true })
    vi.advanceTimersByTime(1_999)
    expect(seen.at(-1)).toBe('start Bob')
    vi.advanceTimersByTime(1)
    expect(seen.slice(-2)).toEqual(['start Bob', 'stop Bob'])
    watch.signal(bob, { typing: true })
    watch.dispose()
    vi.advanceTimersByTime(5_000)
    expect(seen.at(-1)).toBe('start Bob')
  })
})
