/**
 * Colours for one output stream: ANSI styles on a terminal, plain text everywhere else and
 * whenever `NO_COLOR` is set (https://no-color.org) or `TERM` is `dumb`.
 */
export interface Palette {
  readonly isEnabled: boolean
  bold(text: string): string
  dim(text: string): string
  red(text: string): string
  green(text: string): string
  /** A colour picked by `key` (for example a user id), the same one every time. */
  byKey(key: string, text: string): string
}

const style =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`

const KEY_COLOURS = [36, 32, 33, 35, 34, 91, 96, 92, 93, 95].map((code) => style(code, 39))

const plain = (text: string): string => text

/** Whether a stream should get colours; `env` is the process environment. */
export const isColourful = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean =>
  stream.isTTY === true &&
  (env.NO_COLOR === undefined || env.NO_COLOR === '') &&
  env.TERM !== 'dumb'

export const createPalette = (isEnabled: boolean): Palette => {
  if (!isEnabled)
    return { isEnabled, bold: plain, dim: plain, red: plain, green: plain, byKey: (_key, t) => t }
  return {
    isEnabled,
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    byKey(key, text) {
      let hash = 0
      for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0
      const colour = KEY_COLOURS[hash % KEY_COLOURS.length] ?? plain
      return colour(text)
    },
  }
}

/** The palette for a stream of this process. */
export const paletteFor = (stream: { isTTY?: boolean }): Palette =>
  createPalette(isColourful(stream, process.env))
