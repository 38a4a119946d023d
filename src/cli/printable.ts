import { toVisibleLine } from '../protocol/index.js'

/**
 * Text from other people made safe for a terminal: every control character (escape sequences
 * that could clear the screen, move the cursor or retitle the window; carriage returns that could
 * overwrite a line; line breaks that could fake a line of its own) is shown instead of obeyed, by
 * the rule of `toVisibleLine`: `␛`, `␍`, `␤`, ... Tabs stay. Every name and text that others
 * chose goes through this before it reaches the terminal.
 */
export const printable = (text: string): string => toVisibleLine(text)
