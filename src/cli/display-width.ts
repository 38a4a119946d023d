import { stripVTControlCharacters } from 'node:util'

/** East Asian wide and fullwidth characters and emoji: two columns each on a terminal. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u

/** Combining marks and zero-width characters: no column of their own. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u

/**
 * The columns `text` takes on a terminal, escape sequences excluded: a close estimate (wide
 * characters count two, combining marks none), enough to know how many rows a line wraps to.
 */
export const displayWidth = (text: string): number => {
  let width = 0
  for (const char of stripVTControlCharacters(text))
    width += WIDE.test(char) ? 2 : ZERO_WIDTH.test(char) ? 0 : 1
  return width
}

/** `text` cut to at most `columns` columns, with `…` when cut; escape sequences are dropped. */
export const fitWidth = (text: string, columns: number): string => {
  if (displayWidth(text) <= columns) return text
  let kept = ''
  for (const char of stripVTControlCharacters(text)) {
    if (displayWidth(kept + char) > columns - 1) break
    kept += char
  }
  return `${kept}…`
}
