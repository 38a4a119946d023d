/**
 * Display names that cannot lie: one normalisation for every place a person names themselves (the
 * `connect` frame, the plain `/chat` endpoint, and any client that wants to check a name before
 * sending it), so that a name always renders as one short run of visible text and never reads
 * as the server.
 */

/** Longest display name, in characters (code points), after normalisation. */
export const MAX_DISPLAY_NAME_LENGTH = 64

/**
 * Words a person may not take as a name, nor start one with, in any disguise (see
 * {@link isReservedName}): lines from the server read `[Server]: ...`, and the others are what a
 * reader would take for the system speaking.
 */
export const RESERVED_NAMES: readonly string[] = ['Server', 'System', 'hubbub', 'Admin']

/** The outcome of checking a name: the name to use, or why it was refused (a sentence part). */
export type NameCheck = { ok: true; name: string } | { ok: false; problem: string }

// Controls (C0, DEL, C1), format characters (bidi marks, overrides and isolates, zero-width
// characters, the BOM, soft hyphens), lone surrogates and line/paragraph separators.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u
// What an operator's name loses: line breaks become spaces, other controls (tabs aside: they are
// spaces) and format characters go.
const LINE_BREAKS = /[\n\v\f\r\u0085\p{Zl}\p{Zp}]/gu
const INVISIBLE = /(?!\t)[\p{Cc}\p{Cf}\p{Cs}]/gu
// Tabs and the space separators: runs become one space.
const SPACE_RUN = /[\t\p{Zs}]+/gu

const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`

const describeForbidden = (char: string): string => {
  if (/\p{Cc}/u.test(char)) return `a control character (${codePoint(char)})`
  if (/[\p{Zl}\p{Zp}]/u.test(char)) return `a line break (${codePoint(char)})`
  if (/\p{Cs}/u.test(char)) return `a broken character (${codePoint(char)})`
  return `an invisible formatting character (${codePoint(char)})`
}

const normalise = (raw: string): string => raw.normalize('NFC').trim().replace(SPACE_RUN, ' ')

const lengthOf = (name: string): number => Array.from(name).length

const tooLong = (maxLength: number): NameCheck => ({
  ok: false,
  problem: `name is longer than ${maxLength} characters`,
})

/**
 * A name a client chose for itself: NFC, trimmed, whitespace runs (tabs, any Unicode space)
 * collapsed to one space. Refused when it contains a control or format character or a line
 * break (leading and trailing whitespace, newlines included, is trimmed first), when it is longer
 * than `maxLength` characters, or when it reads as one of {@link RESERVED_NAMES}. An empty result
 * is ok: the caller decides what an unnamed client is called.
 */
export const checkDisplayName = (
  raw: string,
  maxLength: number = MAX_DISPLAY_NAME_LENGTH,
): NameCheck => {
  const name = normalise(raw)
  const forbidden = FORBIDDEN.exec(name)?.[0]
  if (forbidden !== undefined)
    return { ok: false, problem: `name contains ${describeForbidden(forbidden)}` }
  if (lengthOf(name) > maxLength) return tooLong(maxLength)
  const reserved = RESERVED_NAMES.find((word) => readsAs(name, word))
  if (reserved !== undefined)
    return { ok: false, problem: `names that read as "${reserved}" are reserved` }
  return { ok: true, name }
}

/**
 * A name the operator vouches for (a verified token's `name` claim): never reserved (an operator
 * may call a bot `hubbub` or a person `Admin`), but control and format characters and line breaks
 * are removed (a line break becomes a space) so it still renders as one line of visible text, and
 * it is normalised as {@link checkDisplayName} does. Refused only when longer than `maxLength`.
 */
export const checkOperatorName = (
  raw: string,
  maxLength: number = MAX_DISPLAY_NAME_LENGTH,
): NameCheck => {
  const cleaned = raw.replace(LINE_BREAKS, ' ').replace(INVISIBLE, '')
  const name = normalise(cleaned)
  return lengthOf(name) > maxLength ? tooLong(maxLength) : { ok: true, name }
}

// Letters that look like Latin ones, and the folds that make digits and symbols read as letters.
// Applied to both sides of a comparison, so a fold may merge letters (i and l, u and v).
// prettier-ignore
const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', г: 'r', е: 'e', ѐ: 'e', ё: 'e', з: '3', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm',
  н: 'h', о: 'o', п: 'n', р: 'p', с: 'c', ѕ: 's', т: 't', у: 'y', х: 'x', ѵ: 'v', ԁ: 'd', ԛ: 'q',
  ԝ: 'w', ү: 'y', һ: 'h', ӏ: 'l',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', σ: 'o',
  ς: 'c', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  // Latin variants that NFKC keeps apart
  ɑ: 'a', ɛ: 'e', ɡ: 'g', ɩ: 'i', ɪ: 'i', ʀ: 'r', ʋ: 'v', ʏ: 'y', ᴀ: 'a', ᴄ: 'c', ᴅ: 'd',
  ᴇ: 'e', ᴍ: 'm', ᴏ: 'o', ᴘ: 'p', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ꜱ: 's', ı: 'i', ſ: 's',
  // Digits and symbols read as letters
  '0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '$': 's', '@': 'a',
  '!': 'l', '|': 'l', '€': 'e', '£': 'e',
  // Letters easily read as one another
  i: 'l', u: 'v',
}

/**
 * The letters a reader sees in `text`: compatibility-decomposed (fullwidth and styled letters
 * become plain ones), accents dropped, lower case, look-alikes folded, everything but the
 * letters a-z removed (so spacing and punctuation variants vanish), and `rn`/`vv` read as `m`/`w`.
 */
export const nameSkeleton = (text: string): string =>
  Array.from(text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase())
    .map((char) => LOOKALIKES[char] ?? char)
    .join('')
    .replace(/[^a-z]/gu, '')
    .replace(/rn/gu, 'm')
    .replace(/vv/gu, 'w')

/**
 * Whether `name` reads as `word` or starts with it, once disguises are seen through: case,
 * fullwidth and styled letters, accents, Cyrillic and Greek look-alikes, digits for letters
 * (`5erv3r`), spacing and punctuation (`S e r v e r`, `[Server]`, `Server.`). Starting with it
 * counts because a name such as `Server]: Vic left. [x` would otherwise print as a server line;
 * the price is that names such as `Serverless` are refused too.
 */
export const readsAs = (name: string, word: string): boolean => {
  const wordSkeleton = nameSkeleton(word)
  return wordSkeleton !== '' && nameSkeleton(name).startsWith(wordSkeleton)
}

/** Whether `name` reads as one of {@link RESERVED_NAMES} (see {@link readsAs}). */
export const isReservedName = (name: string): boolean =>
  RESERVED_NAMES.some((word) => readsAs(name, word))
