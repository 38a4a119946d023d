/** How the dashboard writes its numbers: short, steady widths, the reader's locale. */

const oneDecimal = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
})
const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })
const upToOneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 })

export const formatPercent = (value: number): string => `${oneDecimal.format(value)} %`

export const formatCount = (value: number): string => whole.format(value)

/** A per-second rate, without its unit (the label says "/s"). */
export const formatRate = (value: number): string =>
  value >= 100 ? whole.format(value) : upToOneDecimal.format(value)

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const

/** Bytes in SI units, e.g. `48.3 MB`. */
export const formatBytes = (bytes: number): string => {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000
    unit += 1
  }
  return `${unit === 0 ? whole.format(value) : upToOneDecimal.format(value)} ${BYTE_UNITS[unit] ?? 'B'}`
}

const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

/** A sample's time of day, e.g. `14:05:09`. */
export const formatClock = (timeMs: number): string => clock.format(timeMs)

const shortClock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })

/** A time axis tick: `14:05`, with seconds only when it is not on a whole minute. */
export const formatTick = (timeMs: number): string =>
  timeMs % 60_000 === 0 ? shortClock.format(timeMs) : clock.format(timeMs)
