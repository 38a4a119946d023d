/** What `hubbub pub` publishes for a piece of text from the command line or stdin. */

/**
 * The data for `text`: `{ "text": text }` when `isText`; otherwise `text` parsed as JSON when it
 * is valid JSON, and `{ "text": text }` when it is not, so that a plain line (a log line, a chat
 * message) needs no quoting.
 */
export const toPublishData = (text: string, isText: boolean): unknown => {
  if (isText) return { text }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    return { text }
  }
}
