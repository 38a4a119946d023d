export interface BackoffOptions {
  /** Upper bound of the first delay. */
  minMs: number
  /** Upper bound of every delay. */
  maxMs: number
}

/**
 * Full-jitter exponential backoff: a uniformly random delay between 0 and
 * `min(maxMs, minMs * 2^attempt)`, so that many clients cut off at once do not return at once.
 * `attempt` counts from 0; `random` returns a number in [0, 1).
 */
export const backoffDelayMs = (
  attempt: number,
  { minMs, maxMs }: BackoffOptions,
  random: () => number = Math.random,
): number => random() * Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
