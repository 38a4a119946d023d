/**
 * Channel name patterns, as channel rules and token grants write them: `*` matches any run of
 * characters (the empty one too), everything else is literal. `chat:*`, `sys:metrics`, `team:*:ops`.
 */

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** A pattern as a regular expression; each `*` is a capture group, in order. */
export const compilePattern = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('*').map(escapeRegExp).join('(.*)')}$`, 's')

/** How specific a pattern is: its literal characters. The more, the later its rule applies. */
export const literalLength = (pattern: string): number => pattern.replaceAll('*', '').length
