/**
 * Durations on the command line: a whole number with a unit, `500ms`, `30s`, `15m`, `1h`, `7d`.
 */
import { UsageError } from './usage.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses `value` into milliseconds; `source` names the flag for the error. */
export const parseDurationMs = (value: string, source: string, command: string): number => {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(value)
  const ms =
    match === null ? Number.NaN : Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN)
  if (!(ms > 0))
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected a duration such as 30s, 15m, 1h or 7d`,
      command,
    )
  return ms
}
