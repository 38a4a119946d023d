/**
 * Text from other people made safe for a terminal: control characters (escape sequences that
 * could clear the screen, move the cursor or retitle the window; carriage returns that could
 * overwrite a line) are shown in caret notation (`^[`, `^M`) instead of being obeyed. Newlines
 * and tabs stay.
 */
export const printable = (text: string): string => {
  let safe = ''
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    const isControl =
      (code < 0x20 && char !== '\n' && char !== '\t') || (code >= 0x7f && code < 0xa0)
    if (!isControl) safe += char
    else if (code < 0x20) safe += `^${String.fromCharCode(code + 0x40)}`
    else if (code === 0x7f) safe += '^?'
    else safe += `\\u${code.toString(16).padStart(4, '0')}`
  }
  return safe
}
