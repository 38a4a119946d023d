import type { Client } from '../../src/client/index.ts'

/** Pings per measurement; their median is the round trip (docs/apps.md suggests 5). */
export const PING_SAMPLES = 5

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return NaN
  const upper = sorted[middle] ?? NaN
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? NaN) + upper) / 2
}

/** What the server credits to a buzz sent with `rttMs`: half of it, rounded to 0.1 ms as it does. */
export const creditOf = (rttMs: number): number => Math.round((rttMs / 2) * 10) / 10

/**
 * This page's round trip to the server in ms: the median of `samples` `buzzer.ping` calls made
 * one after the other, rounded to 0.1 ms. The server credits half of it to each buzz.
 */
export const measureRoundTrip = async (client: Client, samples = PING_SAMPLES): Promise<number> => {
  const times: number[] = []
  for (let i = 0; i < samples; i += 1) {
    const startedAt = performance.now()
    await client.rpc('buzzer.ping', {})
    times.push(performance.now() - startedAt)
  }
  return Math.round(median(times) * 10) / 10
}
