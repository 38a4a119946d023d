/**
 * How values cross the SQLite engine's boundary: JSON text for the database, deep-frozen copies
 * for deliveries, `Error` objects for rejections, and promises for methods that run at once.
 */

/** `value` as JSON text; throws when JSON cannot keep it (undefined, a function, a bigint). */
export const toJsonText = (value: unknown, what: string): string => {
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) throw new Error(`${what} is not JSON-serialisable`)
  return json
}

const freezeItem = (_key: string, item: unknown): unknown =>
  typeof item === 'object' && item !== null ? Object.freeze(item) : item

/** A deep-frozen value parsed from `json`: shared by every reader without aliasing callers. */
export const frozenFromJson = (json: string): unknown => JSON.parse(json, freezeItem)

/** `thrown` as an `Error`, so that every rejection is one. */
export const toError = (thrown: unknown): Error =>
  thrown instanceof Error ? thrown : new Error(String(thrown))

/** Runs `fn` now, so effects happen before the caller's next line, and reports like an async fn. */
export const settleNow = <T>(fn: () => T): Promise<Awaited<T>> => {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(toError(err))
  }
}
