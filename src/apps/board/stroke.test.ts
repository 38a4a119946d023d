import { describe, expect, it } from 'vitest'
import { decodeStroke } from './stroke.js'

const limits = { maxPoints: 3 }

describe('decodeStroke', () => {
  it('keeps only the stroke fields and adds kind', () => {
    const decoded = decodeStroke(
      { id: 'a', color: '#abc', width: 0.1, points: [[0, 1]], extra: 'dropped' },
      limits,
    )
    expect(decoded).toEqual({
      kind: 'stroke',
      id: 'a',
      color: '#abc',
      width: 0.1,
      points: [[0, 1]],
    })
  })

  it.each([
    [
      'too many points',
      {
        points: [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      },
    ],
    ['a point off the board', { points: [[-0.1, 0]] }],
    ['a non-finite coordinate', { points: [[Number.NaN, 0]] }],
    ['a too wide line', { width: 0.11 }],
    ['a colour name', { color: 'blue' }],
    ['a 4-digit colour', { color: '#abcd' }],
    ['a long id', { id: 'x'.repeat(65) }],
  ])('refuses %s', (_what, change) => {
    const base = { id: 'a', color: '#aabbcc', width: 0.01, points: [[0.5, 0.5]] }
    expect(() => decodeStroke({ ...base, ...change }, limits)).toThrow(/^stroke/)
  })
})
