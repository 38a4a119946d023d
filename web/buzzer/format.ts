/** How far behind the fastest, in seconds: `0.42 s`, with a third decimal below 0.1 s. */
export const formatBehind = (ms: number): string => `${(ms / 1_000).toFixed(ms < 100 ? 3 : 2)} s`

/** A short duration in milliseconds, to the tenth: `12.3 ms`. */
export const formatMs = (ms: number): string => `${ms.toFixed(1)} ms`

/** `1st`, `2nd`, `3rd`, `4th`, … for a place. */
export const ordinal = (place: number): string => {
  const tens = place % 100
  if (tens >= 11 && tens <= 13) return `${place}th`
  switch (place % 10) {
    case 1:
      return `${place}st`
    case 2:
      return `${place}nd`
    case 3:
      return `${place}rd`
    default:
      return `${place}th`
  }
}
