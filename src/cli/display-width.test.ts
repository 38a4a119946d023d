import { describe, expect, it } from 'vitest'
import { displayWidth, fitWidth } from './display-width.js'

describe('displayWidth and fitWidth', () => {
  it('counts terminal columns: escapes none, wide characters two, combining marks none', () => {
    expect(displayWidth('\u001b[1mBob\u001b[22m')).toBe(3)
    expect(displayWidth('日本')).toBe(4)
    expect(displayWidth('e\u0301')).toBe(1)
    expect(fitWidth('Bob is typing…', 20)).toBe('Bob is typing…')
    expect(fitWidth('Alice, Bob and Carol are typing…', 10)).toBe('Alice, Bo…')
  })
})
