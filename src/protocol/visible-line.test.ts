import { describe, expect, it } from 'vitest'
import { toVisibleLine } from './visible-line.js'

describe('toVisibleLine', () => {
  it('shows line breaks as ␤, so one message stays one line', () => {
    expect(toVisibleLine('hi\n[Server]: Vic has left the chat.')).toBe(
      'hi␤[Server]: Vic has left the chat.',
    )
    expect(toVisibleLine('a\r\nb\u2028c\u2029d\u0085e')).toBe('a␍␤b␤c␤d␤e')
  })

  it('shows other controls as Control Pictures, DEL as ␡ and C1 as \\u escapes', () => {
    expect(toVisibleLine('\u001b]0;pwned\u0007')).toBe('␛]0;pwned␇')
    expect(toVisibleLine('\u001b[2J\rfake')).toBe('␛[2J␍fake')
    expect(toVisibleLine('\u0000\u0008\u001f')).toBe('␀␈␟')
    expect(toVisibleLine('del\u007f csi\u009b2J')).toBe('del␡ csi\\u009b2J')
    expect(toVisibleLine('lone \ud800')).toBe('lone \\ud800')
  })

  it('keeps tabs and every printable character', () => {
    expect(toVisibleLine('a\tb')).toBe('a\tb')
    expect(toVisibleLine('日本 é 😀 محمد')).toBe('日本 é 😀 محمد')
  })
})
