import { describe, expect, it } from 'vitest'
import { describeBuzz, describeResults, ordinal } from './buzzer-room.js'

describe('buzzer answers', () => {
  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [21, '21st'],
    [112, '112th'],
  ])('ordinal(%i) is %s', (place, text) => {
    expect(ordinal(place)).toBe(text)
  })

  it('says the place, how much slower, and whether it was a repeat', () => {
    expect(describeBuzz({ place: 1, behindMs: 0, repeat: false })).toBe('First place!')
    expect(describeBuzz({ place: 2, behindMs: 420.3, repeat: false })).toBe(
      '2nd place, 0.42 s slower.',
    )
    expect(describeBuzz({ place: 3, behindMs: 1_500, repeat: true })).toBe(
      'You already buzzed in this round: 3rd place, 1.50 s slower.',
    )
  })

  it('lists the results, fastest first', () => {
    expect(
      describeResults([
        { place: 1, name: 'Alice', behindMs: 0 },
        { place: 2, name: 'Bob\u001b[2J', behindMs: 123.4 },
      ]),
    ).toBe('1. Alice, 2. Bob␛[2J +0.12 s')
  })
})
