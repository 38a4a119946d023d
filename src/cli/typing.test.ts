import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createTypingThrottle,
  createTypingTracker,
  describeTyping,
  TYPING_EXPIRY_MS,
  TYPING_REPEAT_MS,
} from './typing.js'

const member = (user: string, name: string) => ({ client: `${user}-1`, user, name })

describe('createTypingThrottle', () => {
  it('signals typing at most once a second, and its end when the line stops being a message', () => {
    let nowMs = 0
    const throttle = createTypingThrottle(() => nowMs)
    expect(throttle.edited('h')).toEqual({ typing: true })
    nowMs += TYPING_REPEAT_MS - 1
    expect(throttle.edited('he')).toBeUndefined()
    nowMs += 1
    expect(throttle.edited('hel')).toEqual({ typing: true })
    expect(throttle.edited('')).toEqual({ typing: false })
    expect(throttle.edited('')).toBeUndefined()
    expect(throttle.edited('/who')).toBeUndefined()
    expect(throttle.edited('x')).toEqual({ typing: true })
    expect(throttle.edited('/')).toEqual({ typing: false })
  })

  it('starts a new burst after a message was sent', () => {
    let nowMs = 0
    const throttle = createTypingThrottle(() => nowMs)
    expect(throttle.edited('a')).toEqual({ typing: true })
    throttle.sent()
    nowMs += 10
    expect(throttle.edited('b')).toEqual({ typing: true })
  })
})

describe('createTypingTracker', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('lists each person once until their signals expire or they are done', () => {
    const changes: string[][] = []
    const tracker = createTypingTracker((names) => changes.push(names))
    tracker.typing(member('u1', 'Bob'))
    tracker.typing({ ...member('u1', 'Bob'), client: 'u1-2' })
    tracker.typing(member('u2', 'Carol'))
    expect(changes).toEqual([['Bob'], ['Bob', 'Carol']])
    vi.advanceTimersByTime(TYPING_EXPIRY_MS - 1)
    tracker.typing(member('u2', 'Carol'))
    vi.advanceTimersByTime(1)
    expect(changes.at(-1)).toEqual(['Carol'])
    tracker.done('u2')
    expect(changes.at(-1)).toEqual([])
    tracker.done('u2')
    tracker.clear()
    expect(changes).toHaveLength(4)
  })
})

describe('describeTyping', () => {
  it.each([
    [[], undefined],
    [['Bob'], 'Bob is typing…'],
    [['Bob', 'Carol'], 'Bob and Carol are typing…'],
    [['Bob', 'Carol', 'Dan'], '3 people are typing…'],
  ])('%j', (names, line) => {
    expect(describeTyping(names)).toBe(line)
  })
})
