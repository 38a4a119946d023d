/**
 * Per-user rate limits for app actions open to everyone (a demo's counter, a board's clear): each
 * user gets a token bucket; past it, `too_many_requests`. The buckets of at most `maxUsers` users
 * are kept (the least recently seen go first), so a flood of new identities costs bounded memory.
 */
import { ErrorCode } from '../../protocol/index.js'
import { createTokenBucket, ReplyError, type TokenBucket } from '../../server/index.js'

export interface UserRateLimit {
  /** Takes one token of `user`'s bucket, or throws `ReplyError(too_many_requests)` saying `what`. */
  take(user: string, what: string): void
}

export const createUserRateLimit = (
  perSecond: number,
  burst: number,
  maxUsers = 10_000,
): UserRateLimit => {
  const buckets = new Map<string, TokenBucket>()
  return {
    take(user, what) {
      let bucket = buckets.get(user)
      if (bucket === undefined) {
        if (buckets.size >= maxUsers) {
          const [oldest] = buckets.keys()
          if (oldest !== undefined) buckets.delete(oldest)
        }
        bucket = createTokenBucket(perSecond, burst)
      } else buckets.delete(user)
      buckets.set(user, bucket)
      if (!bucket.take(performance.now()))
        throw new ReplyError(ErrorCode.TooManyRequests, `slow down: too many ${what}`)
    },
  }
}
