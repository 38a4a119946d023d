import { describe, expect, it } from 'vitest'
import { toPublishData } from './pub-data.js'

describe('toPublishData', () => {
  it.each([
    ['{"a":1}', false, { a: 1 }],
    ['42', false, 42],
    ['"quoted"', false, 'quoted'],
    ['plain text', false, { text: 'plain text' }],
    ['{"broken"', false, { text: '{"broken"' }],
    ['{"a":1}', true, { text: '{"a":1}' }],
  ])('%j (text only: %s)', (text, isText, data) => {
    expect(toPublishData(text, isText)).toEqual(data)
  })
})
