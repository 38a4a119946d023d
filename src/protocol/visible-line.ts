/**
 * Someone else's text made safe to print on one line of a terminal or a line-based client: every
 * character that could break the line, move the cursor, clear the screen, retitle the window or
 * overwrite what is already shown is replaced by a visible stand-in, so that one message always
 * renders as exactly one line and nothing in it is obeyed. The rule, for every plain text
 * endpoint and `hubbub chat` alike:
 *
 * - line breaks (LF, U+0085, U+2028, U+2029) become `␤` (U+2424);
 * - the other C0 controls become their Control Picture (U+2400 + code): ESC `␛`, CR `␍`, BEL `␇`,
 *   backspace `␈`, ...; tabs stay, as they break nothing;
 * - DEL becomes `␡`;
 * - the other C1 controls (U+0080–U+009F, such as the one-byte CSI U+009B) become `\u009b`;
 * - lone surrogates become `\ud800`.
 *
 * Everything else, bidi and zero-width characters included, is kept: they can only rearrange or
 * hide the rest of the same message, never reach another line.
 */
export const toVisibleLine = (text: string): string => text.replace(UNSAFE, visible)

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\p{Cs}]/gu

const hex = (code: number): string => `\\u${code.toString(16).padStart(4, '0')}`

const visible = (char: string): string => {
  const code = char.codePointAt(0) ?? 0
  if (code === 0x0a || code === 0x85 || code === 0x2028 || code === 0x2029) return '\u2424'
  if (code < 0x20) return String.fromCodePoint(0x2400 + code)
  if (code === 0x7f) return '\u2421'
  return hex(code)
}
