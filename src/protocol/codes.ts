/**
 * Reply error codes: a request failed, the connection stays open.
 * The string values are part of the wire protocol `hubbub.v1`.
 */
export const ErrorCode = {
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  TooLarge: 'too_large',
  TooManyRequests: 'too_many_requests',
  /** A server-wide bound on stored objects is reached (and nothing could be evicted); try later. */
  Quota: 'quota',
  Unrecoverable: 'unrecoverable',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/**
 * WebSocket close codes. 4000-4499 tell a client to reconnect with backoff,
 * 4500-4999 not to reconnect at all; see {@link shouldReconnect}.
 */
export const CloseCode = {
  Normal: 1000,
  /** Server shutdown; the close reason carries a reconnect hint (see {@link parseRetryHint}). */
  GoingAway: 1001,
  TooBig: 1009,
  Internal: 1011,
  /** This node is full; try again later, perhaps elsewhere. */
  TryAgainLater: 1013,
  SlowConsumer: 4001,
  NoPong: 4002,
  TokenExpired: 4003,
  RateLimited: 4029,
  BadProtocol: 4500,
  Unauthorized: 4501,
  Forbidden: 4503,
  NoConnect: 4504,
  /** The server's backend ended this session (the HTTP API's `disconnect`). */
  Disconnected: 4509,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Whether a client closed with `code` should reconnect (with backoff). */
export const shouldReconnect = (code: number): boolean => code < 4500 || code > 4999

/**
 * Codes of the `unsubscribed` event. 2000-2499: the server ended the subscription, do not
 * resubscribe; 2500-2999: resubscribe `since` the last position you hold.
 */
export const UnsubscribeCode = {
  /** An app or the server removed this subscription. */
  Removed: 2000,
  /** This node lost the channel's stream order (for example a broker reconnect); resubscribe since your position. */
  Resubscribe: 2500,
} as const
export type UnsubscribeCode = (typeof UnsubscribeCode)[keyof typeof UnsubscribeCode]

/** Whether an `unsubscribed` event with `code` asks the client to resubscribe. */
export const shouldResubscribe = (code: number): boolean => code >= 2500 && code <= 2999

const RETRY_HINT = /\bretry=(\d{1,7})ms\b/

/** Formats the reason of a 1001 close: `shutdown retry=<ms>ms`. */
export const formatRetryHint = (reason: string, retryMs: number): string =>
  `${reason} retry=${Math.max(0, Math.round(retryMs))}ms`

/** The reconnect delay a server hinted in a close reason, or undefined when it gave none. */
export const parseRetryHint = (reason: string): number | undefined => {
  const match = RETRY_HINT.exec(reason)
  return match?.[1] === undefined ? undefined : Number(match[1])
}
