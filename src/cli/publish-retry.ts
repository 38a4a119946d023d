/** Publishing from the command line, slowed down rather than failed by the server's rate limit. */
import { HubbubError, type Client } from '../client/node.js'
import { randomUUID } from 'node:crypto'

/**
 * How long to wait before retrying a publish the server refused with `too_many_requests`: long
 * enough to refill its bucket for a while (100 a second by default), and few enough refusals that
 * the server never closes for repeated excess (50 in 10 s by default).
 */
const RATE_LIMITED_RETRY_MS = 500
/** Retries of one publish before giving up on the rate limit. */
const MAX_RATE_LIMITED_RETRIES = 20

/**
 * Publishes `data` with idempotency key `key` (a fresh one when undefined) and resolves with its
 * seq. A `too_many_requests` refusal is retried, with the same key, after a short pause; any other
 * refusal rejects with the SDK's `HubbubError`.
 */
export const publishPatiently = async (
  client: Client,
  channel: string,
  data: unknown,
  key: string | undefined,
): Promise<number> => {
  const idempotencyKey = key ?? randomUUID()
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { seq } = await client.publish(channel, data, { key: idempotencyKey })
      return seq
    } catch (error) {
      const isRateLimited = error instanceof HubbubError && error.code === 'too_many_requests'
      if (!isRateLimited || attempt >= MAX_RATE_LIMITED_RETRIES) throw error
      await new Promise((resolve) => setTimeout(resolve, RATE_LIMITED_RETRY_MS))
    }
  }
}
