import type { ConnectFailure } from './connect-failure.js'
import type { ConnectResult } from '../protocol/index.js'

/** The part of the WebSocket API the client uses: the browser's and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: never) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: never) => void) | null
}
export type WebSocketConstructor = new (url: string, protocols: string) => WebSocketLike

export interface ClientOptions {
  /** Display name sent in `connect`. @default undefined (the server picks one) */
  name?: string
  /** A token, or a function returning one, called before every (re)connect. @default undefined (anonymous) */
  token?: string | (() => string | Promise<string>)
  /**
   * An anonymous credential the server issued before (`client.session.credential`, also in the
   * `connected` event): connecting with it makes this client that anonymous user again, so a
   * browser's tabs and reloads are one person. Keep it private: it is what makes you this user.
   * The client keeps the newest one for its own reconnects. @default undefined (a fresh identity)
   */
  credential?: string
  /**
   * With a token function and a token that expires: how long before expiry the client asks the
   * function for a new token and sends it (`refresh`), so the connection is never closed 4003.
   * @default 30_000 (capped at a fifth of the token's lifetime)
   */
  refreshBeforeExpiryMs?: number
  /** The WebSocket class. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor
  /**
   * Upper bound of the first reconnect delay (full jitter, doubling). With several URLs the delay
   * applies to every attempt, whichever URL it goes to, and keeps doubling across them until one
   * answers: the clients of a lost node spread over the delay instead of all arriving on the next
   * node at once. @default 500
   */
  minReconnectDelayMs?: number
  /** Upper bound of every reconnect delay. @default 20_000 */
  maxReconnectDelayMs?: number
  /** How long a request waits for its reply. @default 10_000 */
  requestTimeoutMs?: number
  /** Silence past the server's ping interval plus this means a dead link: reconnect. @default 10_000 */
  pingGraceMs?: number
  /** Publishes that may wait for a connection; more reject with `outbox_full`. @default 1_000 */
  maxOutbox?: number
}

export const clientDefaults = {
  minReconnectDelayMs: 500,
  maxReconnectDelayMs: 20_000,
  requestTimeoutMs: 10_000,
  pingGraceMs: 10_000,
  maxOutbox: 1_000,
  refreshBeforeExpiryMs: 30_000,
}

export type ClientState = 'connecting' | 'connected' | 'disconnected' | 'closed'

export interface ClientEvents {
  state: { state: ClientState; previous: ClientState }
  /** The handshake succeeded (first time and after every reconnect). */
  connected: ConnectResult
  /**
   * The link dropped, or an attempt failed; a reconnect is scheduled after `reconnectInMs`. When
   * the WebSocket never opened (an HTTP status at the upgrade, a DNS or TCP failure), `cause` says
   * why, as far as the runtime tells (browsers tell nothing: kind `unknown`), and `reason` says it
   * in words; `code` is then 1006.
   */
  disconnected: { code: number; reason: string; reconnectInMs: number; cause?: ConnectFailure }
  /**
   * The client stopped for good: `close()` was called or the server said not to come back
   * (4500-4999). `cause` as in `disconnected`, when the last attempt never opened.
   */
  closed: { code: number; reason: string; cause?: ConnectFailure }
  /** Something went wrong that no call could report (for example a malformed server frame). */
  error: Error
}
