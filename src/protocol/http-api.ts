/**
 * The HTTP API for backends (`POST /api/<method>`): each method's params and result, shared by the
 * server and the `hubbub/api` client. Types only: see docs/api.md for the contract.
 */
import type { ErrorCode } from './codes.js'
import type { HistoryResult, Member, Position } from './frames.js'

/** A publication's place, as `publish` answers it. */
export type PublishedPosition = Position

/** One method: what its body carries, what `result` holds. */
interface Method<P, R> {
  params: P
  result: R
}

/** Every method of the API, by name. */
export interface ApiMethods {
  /** A server publication (client permissions do not apply); `key` makes it idempotent. */
  publish: Method<{ channel: string; data: unknown; key?: string }, PublishedPosition>
  /** The same data to several channels; one outcome per channel, in order. */
  broadcast: Method<
    { channels: string[]; data: unknown },
    { results: (PublishedPosition | { error: ApiErrorBody })[] }
  >
  presence: Method<{ channel: string }, { members: Member[] }>
  history: Method<
    { channel: string; since?: Position; limit?: number; reverse?: boolean },
    HistoryResult
  >
  /** Closes this node's connections of one user or one client (close 4509). */
  disconnect: Method<
    { user: string; reason?: string } | { client: string; reason?: string },
    { disconnected: number }
  >
  /** Calls a registered rpc method as the server (see {@link SERVER_CALLER}). */
  rpc: Method<{ method: string; params?: unknown }, { result: unknown }>
  /** Channels this node has subscribers for. */
  channels: Method<Record<string, never>, { channels: { channel: string; subscribers: number }[] }>
  info: Method<Record<string, never>, ApiInfo>
  /** This node's most recent protocol disconnects, newest first, at most `limit` (default all kept). */
  disconnects: Method<{ limit?: number }, { disconnects: DisconnectRecord[] }>
}

export type ApiMethod = keyof ApiMethods

/** One closed protocol connection, as `disconnects` lists it. */
export interface DisconnectRecord {
  /** When it closed, ms since the Unix epoch. */
  time: number
  client: string
  /** Empty when it closed before `connect` succeeded. */
  user: string
  name: string
  /** The WebSocket close code (see `CloseCode`). */
  code: number
  reason: string
  /** Who closed first: this server (a limit, the HTTP API, shutdown) or the peer. */
  by: 'server' | 'client'
}

/** What `info` answers: the node that served the request (each node answers for itself). */
export interface ApiInfo {
  /** The server's package version, when it knows it. */
  version?: string
  nodes: { node: string; connections: number; subscriptions: number; channels: number }[]
}

/** HTTP-only error codes, besides the protocol's reply codes. */
export const ApiOnlyErrorCode = {
  MethodNotAllowed: 'method_not_allowed',
  UnsupportedMediaType: 'unsupported_media_type',
} as const
export type ApiErrorCode = ErrorCode | (typeof ApiOnlyErrorCode)[keyof typeof ApiOnlyErrorCode]

/** The body of every failed API response: `{"error": {"code", "message"}}`. */
export interface ApiErrorBody {
  code: ApiErrorCode
  message: string
}

/** The member an rpc handler sees as its caller when the HTTP API calls it. */
export const SERVER_CALLER: Readonly<Member> = Object.freeze({
  client: 'server',
  user: 'server',
  name: 'Server',
})
