import { describe, expect, it } from 'vitest'
import { printable } from './printable.js'

describe('printable', () => {
  it('shows control characters and line breaks instead of obeying them, keeping tabs', () => {
    expect(printable('hi\u001b[2J\rthere')).toBe('hi␛[2J␍there')
    expect(printable('\u001b]0;pwned\u0007')).toBe('␛]0;pwned␇')
    expect(printable('a\tb\nc')).toBe('a\tb␤c')
    expect(printable('del\u007f c1\u009b')).toBe('del␡ c1\\u009b')
    expect(printable('日本 é')).toBe('日本 é')
  })
})
