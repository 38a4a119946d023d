/**
 * How long the `hubbub serve --workers` primary waits before it replaces a worker that died: a
 * worker that keeps crashing at start-up is restarted ever more slowly instead of in a tight loop,
 * and one that had been running a good while is replaced at once.
 */

export interface RestartDelayOptions {
  /** The delay after the first death in a row. @default 100 */
  minMs?: number
  /** The delay never grows past this. @default 5_000 */
  maxMs?: number
  /** A worker that lived this long resets the count of deaths in a row. @default 30_000 */
  resetAfterMs?: number
}

export const restartDelayDefaults: Required<RestartDelayOptions> = {
  minMs: 100,
  maxMs: 5_000,
  resetAfterMs: 30_000,
}

/**
 * The number of deaths in a row, counting the one that just happened: 1 after a worker that lived
 * `resetAfterMs` or more, else one more than `previous`.
 */
export const nextDeathCount = (
  previous: number,
  livedMs: number,
  options: RestartDelayOptions = {},
): number =>
  livedMs >= (options.resetAfterMs ?? restartDelayDefaults.resetAfterMs) ? 1 : previous + 1

/** The wait before the restart after `deaths` deaths in a row (1 or more): doubling from `minMs` to `maxMs`. */
export const restartDelayMs = (deaths: number, options: RestartDelayOptions = {}): number => {
  const minMs = options.minMs ?? restartDelayDefaults.minMs
  const maxMs = options.maxMs ?? restartDelayDefaults.maxMs
  // Capping the exponent keeps 2 ** n finite for any count.
  return Math.min(maxMs, minMs * 2 ** Math.min(Math.max(deaths - 1, 0), 30))
}
