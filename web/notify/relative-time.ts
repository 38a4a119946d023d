const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' })
const sameYear = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})
const otherYear = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** `time` (ms since the epoch) as seen at `nowMs`: "just now", "5 min. ago", "3 hr. ago", a date. */
export const relativeTime = (time: number, nowMs: number): string => {
  const seconds = Math.round((nowMs - time) / 1_000)
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return relative.format(-minutes, 'minute')
  const hours = Math.round(minutes / 60)
  if (hours < 24) return relative.format(-hours, 'hour')
  const date = new Date(time)
  return (date.getFullYear() === new Date(nowMs).getFullYear() ? sameYear : otherYear).format(date)
}

/** The full date and time, for a tooltip. */
export const fullTime = (time: number): string =>
  new Date(time).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
