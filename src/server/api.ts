/**
 * The public server API: what an embedding application and the bundled apps see of the hub.
 * Apps import only this (through `hubbub`), never the hub's internals.
 */
import type {
  HistoryResult,
  Member,
  Position,
  ServerFrame,
  SubscribeResult,
} from '../protocol/index.js'
import type { State } from '../engine/types.js'
import type { Caller } from './caller.js'
import type { ChannelOptions } from './channel-options.js'
import type { TlsOptions } from './options.js'
import type { WebhookStats } from './webhooks/index.js'
import type { Logger } from 'pino'

/** A channel event as a server-side session receives it: every server frame but replies and pings. */
export type ChannelEvent = Exclude<ServerFrame, { type: 'reply' } | { type: 'ping' }>

/**
 * Who called an rpc method: a client (`isServer` false; `member` is who it is, `isAuthenticated`
 * says whether a token proved it) or the server (an app, or a backend through the HTTP API).
 */
export type { Caller as RpcCaller } from './caller.js'

/**
 * Handles `rpc` requests for one method. Its return value (JSON-serialisable) is the reply's
 * `result`; throwing a `ReplyError` fails the request with that code, any other error with
 * `internal` (and is logged).
 */
export type RpcHandler = (params: unknown, caller: Caller) => unknown

export interface HistoryOptions {
  since?: Position
  /** @default 100 */
  limit?: number
  reverse?: boolean
}

export interface PublishOptions {
  /** Shown to subscribers as the publication's `from`. @default undefined (a server publication) */
  from?: Member
  /** Idempotency key, as in the protocol's `publish`. */
  key?: string
}

/**
 * A client that lives inside the server (a plain-text chat user, a bot): it appears in presence
 * and receives channel events like a WebSocket client does, through a listener.
 */
export interface LocalSession {
  readonly member: Member
  /** Subscribes as a protocol client would; events of the channel reach `listener`. */
  subscribe(
    channel: string,
    listener: (event: ChannelEvent) => void,
    options?: { since?: Position },
  ): Promise<SubscribeResult>
  unsubscribe(channel: string): Promise<void>
  /** Publishes as this member; like a client publish it is not echoed back unless the channel sets `echo`. */
  publish(channel: string, data: unknown, options?: { key?: string }): Promise<Position>
  signal(channel: string, data: unknown): Promise<void>
  /** Leaves every channel (with `leave` events); further calls reject. */
  close(): Promise<void>
}

export interface TextConnectionEvents {
  /** One text message from the client (binary messages arrive decoded as UTF-8). */
  message: string
  /** The connection closed, for whatever reason; fires once. */
  close: { code: number; reason: string }
}

/** A WebSocket client that speaks no subprotocol: plain text in, plain text out. */
export interface TextConnection {
  /** The URL path it connected to, e.g. `/echo`. */
  readonly path: string
  readonly remoteAddress: string
  send(text: string): void
  close(code?: number, reason?: string): void
  /**
   * From now on the server's own notices to this connection (a message over `maxPublishBytes`)
   * are JSON, `{"type":"error","message":"…"}`, instead of `[Server]: …` lines: for endpoints
   * whose clients parse every message as JSON.
   */
  speakJson(): void
  /** Listens for an event; returns a function that removes the listener. */
  on<E extends keyof TextConnectionEvents>(
    event: E,
    listener: (value: TextConnectionEvents[E]) => void,
  ): () => void
}

/** Serves plain WebSocket clients on one path. Called once per connection, right after the upgrade. */
export type TextEndpoint = (connection: TextConnection) => void

/**
 * How fast one client of a text endpoint may send. An endpoint whose clients send many small
 * messages by nature (a drawing client sends one per mouse move, 144 a second on a fast mouse)
 * sets its own; others keep the server's. Past the rate a message is dropped, and past
 * `maxRateLimitedFrames` dropped ones within `abuseWindowMs` the connection is closed 4029.
 */
export interface TextEndpointOptions {
  /** Sustained messages per second per connection, a token bucket. @default the server's `requestsPerSecond` */
  messagesPerSecond?: number
  /** Token bucket size: how many messages may arrive at once. @default the server's `requestBurst` */
  messageBurst?: number
}

/** A text endpoint as registered, with its options. */
export interface RegisteredText {
  readonly endpoint: TextEndpoint
  readonly options: TextEndpointOptions
}

/** This node's traffic so far, for metrics. Counters only grow; rates are the caller's business. */
export interface HubStats {
  /** Open WebSocket connections, protocol and plain text. */
  connections: number
  /** WebSocket messages received since start. */
  messagesIn: number
  /** WebSocket messages sent since start (a publication fanned out to 1,000 sockets counts 1,000). */
  messagesOut: number
}

/** What an app is given at setup: registration plus the server-side hub API. */
export interface HubApi {
  /** This node's id. */
  readonly node: string
  readonly state: State
  readonly log: Logger
  /** Sets options for channels matching `pattern` (see `ChannelRules`). */
  channel(pattern: string, options: ChannelOptions): void
  /** Registers an rpc method; a method registered twice is an error. */
  rpc(method: string, handler: RpcHandler): void
  /**
   * Serves plain text WebSocket clients on `path` (e.g. `/echo`); a path registered twice is an
   * error. `options` may give the path its own rate limit.
   */
  text(path: string, endpoint: TextEndpoint, options?: TextEndpointOptions): void
  /** Publishes to a channel; permissions for clients do not apply. */
  publish(channel: string, data: unknown, options?: PublishOptions): Promise<Position>
  history(channel: string, options?: HistoryOptions): Promise<HistoryResult>
  presence(channel: string): Promise<Member[]>
  /** This node's connection and message counters. */
  stats(): HubStats
  /** Creates a server-side client. `user` defaults to a fresh anonymous id. */
  session(init: { name: string; user?: string; info?: unknown }): LocalSession
}

/** A server-side module: declares channels and rpc methods, may publish. */
export interface App {
  readonly name: string
  /** Called once at start-up, before the server accepts connections. */
  setup(hub: HubApi): void | Promise<void>
  /** Called on shutdown, before the engine closes. @default undefined */
  close?(): void | Promise<void>
}

/** A running hubbub server, as `createServer` resolves it: already listening. */
export interface HubbubServer {
  /** The port it listens on (the assigned one when `port: 0` was asked). */
  readonly port: number
  /**
   * `http://localhost:<port>` (`https://` with TLS): where the web apps are; the WebSocket URL is
   * the same with `ws:` (`wss:`).
   */
  readonly url: string
  /** The server-side API, as apps see it. */
  readonly hub: HubApi
  /** Webhook delivery counts since start (all zero without webhooks); for metrics. */
  webhookStats(): WebhookStats
  /**
   * Replaces the certificate and key of a server started with `tls` (new connections use them;
   * open ones keep theirs). Throws, keeping the current pair, when the new one is not valid PEM or
   * the key does not match, and when the server serves no TLS.
   */
  setTls(tls: TlsOptions): void
  /**
   * Graceful shutdown: stops accepting, closes every client with 1001 and a spread-out reconnect
   * hint, waits up to `shutdownTimeoutMs` for them to go, then closes the apps and the engine.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>
}
