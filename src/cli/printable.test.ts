import { describe, expect, it } from 'vitest'
import { printable } from './printable.js'

describe('printable', () => {
  it('shows control characters instead of obeying them, keeping newlines and tabs', () => {
    expect(printable('hi\u001b[2J\rthere')).toBe('hi^[[2J^Mthere')
    expect(printable('a\tb\nc')).toBe('a\tb\nc')
    expect(printable('del\u007f c1\u009b')).toBe('del^? c1\\u009b')
    expect(printable('日本 é')).toBe('日本 é')
  })
})
