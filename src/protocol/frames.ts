/** The WebSocket subprotocol a client offers to speak this protocol. */
export const SUBPROTOCOL = 'hubbub.v1'

/** One connected client as others see it. Connections of one user share `user`. */
export interface Member {
  /** Unique per connection, across nodes. */
  client: string
  /** `anon:<id>` for anonymous connections, otherwise the authenticated user id. */
  user: string
  /** Display name. */
  name: string
  /** Free-form public data an authenticator attached to the user. */
  info?: unknown
}

/** A place in a channel's stream: publications after it have `seq` greater than this one. */
export interface Position {
  /** Identifies one unbroken stream of a channel; changes only when the stream is lost. */
  epoch: string
  /** The seq of the last publication (0 before the first). */
  seq: number
}

/** A publication as clients receive it. */
export interface Pub {
  seq: number
  epoch: string
  data: unknown
  /** Absent for publications made by the server or a backend. */
  from?: Member
  /** Milliseconds since the Unix epoch, when the node accepted it. */
  time: number
}

export interface ConnectFrame {
  type: 'connect'
  id: number
  /** A token the server verifies (for example a JWT); without one the connection is anonymous. */
  token?: string
  name?: string
  /**
   * An anonymous credential this server issued earlier (in {@link ConnectResult.credential}):
   * presenting it again makes this connection the same anonymous user. One the server did not
   * issue, or did not sign, is ignored and a fresh identity is issued.
   */
  credential?: string
  /**
   * The client reads messages that pack several frames, newline-separated; the server says in
   * {@link ConnectResult.batch} whether it will send them.
   */
  batch?: boolean
}
export interface SubscribeFrame {
  type: 'subscribe'
  id: number
  channel: string
  since?: Position
  presence?: boolean
}
export interface UnsubscribeFrame {
  type: 'unsubscribe'
  id: number
  channel: string
}
export interface PublishFrame {
  type: 'publish'
  id: number
  channel: string
  data: unknown
  key?: string
}
export interface SignalFrame {
  type: 'signal'
  channel: string
  data: unknown
}
export interface PresenceFrame {
  type: 'presence'
  id: number
  channel: string
}
export interface HistoryFrame {
  type: 'history'
  id: number
  channel: string
  since?: Position
  limit?: number
  reverse?: boolean
}
export interface RpcFrame {
  type: 'rpc'
  id: number
  method: string
  params: unknown
}
export interface PongFrame {
  type: 'pong'
}
/** Replaces the connection's token before it expires; the new token must be for the same user. */
export interface RefreshFrame {
  type: 'refresh'
  id: number
  token: string
}

/** Every frame a client may send. */
export type ClientFrame =
  | ConnectFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | PublishFrame
  | SignalFrame
  | PresenceFrame
  | HistoryFrame
  | RpcFrame
  | PongFrame
  | RefreshFrame

/** Client frames that carry an `id` and get exactly one `reply`. */
export type RequestFrame = Extract<ClientFrame, { id: number }>

export interface ReplyError {
  code: string
  message: string
}

export interface ConnectResult {
  client: string
  user: string
  name: string
  /** The node that serves this connection. */
  node: string
  /** How often the server pings; silence much longer than this means a dead link. */
  pingMs: number
  /** Present and true when one message may from now on hold several frames, newline-separated. */
  batch?: true
  /**
   * Anonymous connections only: the credential to present in the next `connect` to stay this
   * `user`. Keep it private (it is what makes you this user); `user` itself is public and proves
   * nothing.
   */
  credential?: string
  /** When the token expires (ms since the Unix epoch): refresh it before, or be closed 4003. */
  expiresAt?: number
}
export interface RefreshResult {
  /** When the new token expires (ms since the Unix epoch), if it does. */
  expiresAt?: number
}
export interface SubscribeResult {
  epoch: string
  seq: number
  /** True when `since` was given and every publication after it is in `missed`. */
  recovered: boolean
  missed: Pub[]
  /** App state for the channel (for example a counter's value), when the channel has one. */
  state?: unknown
  /** Present when the subscribe asked for `presence` and the channel keeps it. */
  members?: Member[]
}
export interface PresenceResult {
  members: Member[]
}
export interface HistoryResult {
  epoch: string
  seq: number
  pubs: Pub[]
}
export interface PublishResult {
  seq: number
}

export type ServerFrame =
  | { type: 'reply'; id: number; result: unknown }
  | { type: 'reply'; id: number; error: ReplyError }
  | { type: 'pub'; channel: string; pub: Pub }
  | { type: 'signal'; channel: string; from: Member; data: unknown }
  | { type: 'join'; channel: string; member: Member }
  | { type: 'leave'; channel: string; member: Member }
  /** Sent instead of the join/leave events held back past a channel's presence budget. */
  | { type: 'members'; channel: string; members: Member[] }
  | { type: 'unsubscribed'; channel: string; code: number; reason: string }
  | { type: 'ping' }
