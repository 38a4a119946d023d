import type { ClientFrame, RequestFrame } from '../protocol/index.js'

/** A request frame before the client gives it an id. */
export type RequestBody = RequestFrame extends infer F
  ? F extends RequestFrame
    ? Omit<F, 'id'>
    : never
  : never

/** What a subscription needs from its client. */
export interface ClientLink {
  /** Whether the handshake is done and requests can go out now. */
  isConnected(): boolean
  /** Sends a request; rejects with `HubbubError` (`disconnected` when offline, `timeout`, or the reply's code). */
  request(body: RequestBody, timeoutMs?: number): Promise<unknown>
  /** Publishes now, or after the next connect when offline (bounded outbox); retried once per reconnect with its key. */
  publish(body: Extract<RequestBody, { type: 'publish' }>): Promise<{ seq: number }>
  /** Sends a frame that has no reply; dropped while offline. */
  send(frame: ClientFrame): void
  /** The subscription is gone: forget it. */
  forget(channel: string): void
}
