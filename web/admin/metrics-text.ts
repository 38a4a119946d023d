/** The figures the admin view takes from one `/metrics` scrape (Prometheus text format). */
export interface MetricsScrape {
  /** When it was read, ms since the epoch (the page's clock). */
  timeMs: number
  connections: number
  publications: number
  deliveries: number
}

/** Per-second rates between two scrapes. */
export interface MetricsRates {
  publicationsPerSec: number
  deliveriesPerSec: number
}

/** Sums every sample of each metric, over all its labels. */
const sumByName = (text: string): Map<string, number> => {
  const sums = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const [, name = '', raw = ''] = match
    const value = Number(raw)
    if (Number.isFinite(value)) sums.set(name, (sums.get(name) ?? 0) + value)
  }
  return sums
}

export const parseScrape = (text: string, timeMs: number): MetricsScrape => {
  const sums = sumByName(text)
  return {
    timeMs,
    connections: sums.get('hubbub_connections') ?? 0,
    publications: sums.get('hubbub_publications_total') ?? 0,
    deliveries: sums.get('hubbub_deliveries_total') ?? 0,
  }
}

/** The rates from `before` to `after`; zero when no time passed or a counter went back (a restart). */
export const ratesBetween = (before: MetricsScrape, after: MetricsScrape): MetricsRates => {
  const seconds = (after.timeMs - before.timeMs) / 1000
  const rate = (from: number, to: number): number =>
    seconds <= 0 || to < from ? 0 : (to - from) / seconds
  return {
    publicationsPerSec: rate(before.publications, after.publications),
    deliveriesPerSec: rate(before.deliveries, after.deliveries),
  }
}
