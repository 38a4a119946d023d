import { describe, expect, it } from 'vitest'
import { checkDisplayName, checkOperatorName, isReservedName } from './display-name.js'

const refusal = (raw: string): string => {
  const check = checkDisplayName(raw)
  if (check.ok) throw new Error(`${JSON.stringify(raw)} was accepted as ${check.name}`)
  return check.problem
}

describe('checkDisplayName', () => {
  it('normalises: NFC, trimmed, whitespace runs as one space', () => {
    expect(checkDisplayName('  Alice \t  Smith\n')).toEqual({ ok: true, name: 'Alice Smith' })
    expect(checkDisplayName('Ame\u0301lie')).toEqual({ ok: true, name: 'Amélie' })
    expect(checkDisplayName('Bob\u00a0\u3000Jones')).toEqual({ ok: true, name: 'Bob Jones' })
    expect(checkDisplayName('日本 太郎 😀')).toEqual({ ok: true, name: '日本 太郎 😀' })
    expect(checkDisplayName('محمد')).toEqual({ ok: true, name: 'محمد' })
    expect(checkDisplayName('   ')).toEqual({ ok: true, name: '' })
  })

  it('keeps the 64-character limit, in characters', () => {
    expect(checkDisplayName('x'.repeat(64))).toEqual({ ok: true, name: 'x'.repeat(64) })
    expect(checkDisplayName('😀'.repeat(64))).toMatchObject({ ok: true })
    expect(refusal('x'.repeat(65))).toBe('name is longer than 64 characters')
    expect(checkDisplayName('abcd', 3)).toEqual({
      ok: false,
      problem: 'name is longer than 3 characters',
    })
  })

  const invisible: [string, string, string][] = [
    ['ESC (an escape sequence)', 'Vic\u001b[2J', 'a control character (U+001B)'],
    ['OSC retitling the window', '\u001b]0;pwned\u0007Vic', 'a control character (U+001B)'],
    ['CR (overwriting the line)', 'Vic\rServer', 'a control character (U+000D)'],
    ['LF inside', 'Vic\n[Server]: hi', 'a control character (U+000A)'],
    ['NUL', 'Vic\u0000', 'a control character (U+0000)'],
    ['backspace', 'Vic\u0008\u0008\u0008Bob', 'a control character (U+0008)'],
    ['vertical tab', 'Vic\u000bBob', 'a control character (U+000B)'],
    ['DEL', 'Vic\u007f', 'a control character (U+007F)'],
    ['C1 CSI', 'Vic\u009b2J', 'a control character (U+009B)'],
    ['C1 NEL', 'Vic\u0085Bob', 'a control character (U+0085)'],
    ['right-to-left override', '\u202erevliS', 'an invisible formatting character (U+202E)'],
    ['left-to-right embedding', 'a\u202ab', 'an invisible formatting character (U+202A)'],
    ['first strong isolate', 'a\u2068b', 'an invisible formatting character (U+2068)'],
    ['pop directional isolate', 'a\u2069b', 'an invisible formatting character (U+2069)'],
    ['left-to-right mark', 'a\u200eb', 'an invisible formatting character (U+200E)'],
    ['right-to-left mark', 'a\u200fb', 'an invisible formatting character (U+200F)'],
    ['Arabic letter mark', 'a\u061cb', 'an invisible formatting character (U+061C)'],
    ['zero-width space', 'Ser\u200bver', 'an invisible formatting character (U+200B)'],
    ['zero-width non-joiner', 'a\u200cb', 'an invisible formatting character (U+200C)'],
    ['zero-width joiner', 'a\u200db', 'an invisible formatting character (U+200D)'],
    ['word joiner', 'a\u2060b', 'an invisible formatting character (U+2060)'],
    ['BOM inside', 'a\ufeffb', 'an invisible formatting character (U+FEFF)'],
    ['soft hyphen', 'Ser\u00adver', 'an invisible formatting character (U+00AD)'],
    ['line separator', 'Vic\u2028Server', 'a line break (U+2028)'],
    ['paragraph separator', 'Vic\u2029Server', 'a line break (U+2029)'],
    ['lone surrogate', 'Vic\ud800', 'a broken character (U+D800)'],
  ]
  it.each(invisible)('refuses a name with %s', (_what, raw, problem) => {
    expect(refusal(raw)).toBe(`name contains ${problem}`)
  })

  const disguises: [string, string][] = [
    ['plain', 'Server'],
    ['lower case', 'server'],
    ['upper case', 'SERVER'],
    ['spaced out', 'S e r v e r'],
    ['in brackets', '[Server]'],
    ['with a full stop', 'Server.'],
    ['with a Cyrillic е', 'S\u0435rver'],
    ['all Cyrillic look-alikes', '\u0405\u0435r\u0475\u0435r'],
    ['with a Greek ν', 'Ser\u03bder'],
    ['fullwidth', 'Ｓｅｒｖｅｒ'],
    ['mathematical bold', '𝐒𝐞𝐫𝐯𝐞𝐫'],
    ['accented', 'Sérvèr'],
    ['digits for letters', '5erv3r'],
    ['small capitals', 'ꜱᴇʀᴠᴇʀ'],
    ['u for v', 'Seruer'],
    ['forging a line', 'Server]: Vic has left the chat. [x'],
    ['dashes', 'S-e-r-v-e-r'],
    ['System', 'System'],
    ['Sys7em', 'Sys7em'],
    ['hubbub', 'hubbub'],
    ['v for u', 'hvbbvb'],
    ['Admin', 'Admin'],
    ['Adm1n', 'Adm1n'],
    ['@dmin', '@dmin'],
    ['Administrator', 'Administrator'],
    ['adrnin (rn for m)', 'adrnin'],
  ]
  it.each(disguises)('reserves Server and its look-alikes: %s', (_what, raw) => {
    expect(refusal(raw)).toMatch(/^names that read as "(Server|System|hubbub|Admin)" are reserved$/)
    expect(isReservedName(raw)).toBe(true)
  })

  it('lets ordinary names through, also ones close to the reserved words', () => {
    for (const name of ['Alice', 'Vic', 'Serena', 'Sir Vernon', 'Syd', 'Adam', 'hub', 'Eve']) {
      expect(checkDisplayName(name)).toEqual({ ok: true, name })
      expect(isReservedName(name)).toBe(false)
    }
  })
})

describe('checkOperatorName', () => {
  it('never reserves, but removes what would not render as one visible line', () => {
    expect(checkOperatorName('Admin')).toEqual({ ok: true, name: 'Admin' })
    expect(checkOperatorName('hubbub bot')).toEqual({ ok: true, name: 'hubbub bot' })
    expect(checkOperatorName('Vic\u001b[2J\u202e')).toEqual({ ok: true, name: 'Vic[2J' })
    expect(checkOperatorName(' Vic\n\r[Server]:\u2028hi ')).toEqual({
      ok: true,
      name: 'Vic [Server]: hi',
    })
    expect(checkOperatorName('x'.repeat(65))).toEqual({
      ok: false,
      problem: 'name is longer than 64 characters',
    })
  })
})
