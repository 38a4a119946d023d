import type { Logger } from 'pino'
import type { Engine } from '../engine/types.js'
import type { App } from './api.js'
import type { ChannelOptions } from './channel-options.js'
import type { WebhookOptions } from './webhooks/options.js'

/** Who a token belongs to; what `authenticate` resolves with. */
export interface Identity {
  user: string
  /** Display name; the connect frame's `name` is used when absent. */
  name?: string
  info?: unknown
  /** When the credential expires (ms since the Unix epoch): the connection is then closed 4003. */
  expiresAt?: number
  /**
   * Channel patterns (as in `channels` rules: `*` matches any run of characters) this token
   * grants: every client action on a matching channel is allowed unless the channel's rule for
   * that action is `server`. @default undefined (no grants)
   */
  channels?: string[]
}

/** How a server verifies JWTs (`jose`). Exactly one of `secret`, `publicKey` and `jwksUrl`. */
export interface JwtOptions {
  /** Shared secret for HS256, HS384 and HS512. */
  secret?: string
  /** PEM public key (SPKI or certificate) for RS*, PS*, ES* or EdDSA, as its key type allows. */
  publicKey?: string
  /** A JWKS URL: keys are cached and fetched again when a token names an unknown `kid`. */
  jwksUrl?: string
  /** Required `aud`, when set. @default undefined (not checked) */
  audience?: string
  /** Required `iss`, when set. @default undefined (not checked) */
  issuer?: string
  /** Clock skew allowed on `exp` and `nbf`. @default 5_000 */
  clockToleranceMs?: number
  /**
   * With `jwksUrl`: after a fetch, how long a token with an unknown `kid` is refused without
   * fetching again (so a flood of made-up kids cannot make the server hammer the issuer).
   * @default 30_000
   */
  jwksCooldownMs?: number
}

/** A certificate and its private key, PEM. */
export interface TlsOptions {
  cert: string | Buffer
  key: string | Buffer
}

/** Shortest `secret` accepted: 32 characters, for 256 bits or close to it. */
export const MIN_SECRET_LENGTH = 32
/** Shortest `apiKey` accepted. */
export const MIN_API_KEY_LENGTH = 16

/** Options of {@link createServer}. Every field is optional. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. @default 8765 */
  port?: number
  /** Interface to listen on. @default undefined (every interface, as Node's `listen`) */
  host?: string
  /**
   * Storage and cluster backend.
   * @default createMemoryEngine({ maxHistoryBytes })
   */
  engine?: Engine
  /** Server-side apps, set up in order. @default [] */
  apps?: App[]
  /** Channel options by name pattern, applied after the apps' own. @default {} */
  channels?: Record<string, ChannelOptions>
  /** This node's id, shown in connect replies. @default a random id */
  nodeId?: string
  /** Directory of static files served over HTTP at `/`. @default undefined (a small built-in page) */
  staticDir?: string
  /**
   * Verifies a connect token. Throwing refuses it: the client gets `unauthorized` and close 4501,
   * or `forbidden` and close 4503 when it throws `ReplyError(ErrorCode.Forbidden, …)`.
   * @default undefined (tokens are refused)
   */
  authenticate?: (token: string) => Identity | Promise<Identity>
  /**
   * Verifies connect tokens as JWTs; used when `authenticate` is not given.
   * @default undefined (tokens are refused unless `authenticate` is given)
   */
  jwt?: JwtOptions
  /**
   * The server secret that signs anonymous credentials (at least 32 bytes of entropy). Keep it
   * across restarts so anonymous people keep their identity. @default a random secret per process
   */
  secret?: string
  /** Accept connections without a token (anonymous, with a server-issued credential). @default true */
  anonymous?: boolean
  /**
   * Bearer key of the HTTP API at `/api/<method>`, compared in constant time.
   * @default undefined (the API answers 404)
   */
  apiKey?: string
  /** Largest HTTP API request body; larger gets 413. @default 1_048_576 */
  maxApiBodyBytes?: number
  /** Most channels one HTTP API `broadcast` may name. @default 1_000 */
  maxBroadcastChannels?: number
  /**
   * Serve `GET /metrics` in the Prometheus text format (process metrics and hubbub's own); false
   * makes it a 404. @default true
   */
  metrics?: boolean
  /**
   * `/metrics` needs the API key (`Authorization: Bearer <apiKey>`), else answers 401. Needs
   * `apiKey`. @default false (open to whoever reaches the port)
   */
  metricsRequireKey?: boolean
  /**
   * `/readyz`: how long the engine (Redis) may take to answer its ping before the node is
   * reported not ready. @default 2_000
   */
  readyTimeoutMs?: number
  /** Protocol disconnects kept for the HTTP API's `disconnects` (the admin view). @default 100 */
  maxRecentDisconnects?: number
  /** Serve https and wss with this certificate. @default undefined (plain http and ws) */
  tls?: TlsOptions
  /**
   * Host names (the Host header, without port) this server answers to, besides localhost, IP
   * addresses and this machine's host name; `'*'` allows any. Others get HTTP 403, which stops DNS
   * rebinding. @default []
   */
  publicHosts?: string[]
  /**
   * Behind a reverse proxy: take the client address from the last `X-Forwarded-For` entry (for
   * per-IP limits and logs). @default false
   */
  trustProxy?: boolean
  /** pino logger. @default pino at level 'warn' on stderr */
  logger?: Logger

  /** Server `ping` interval. @default 25_000 */
  pingIntervalMs?: number
  /** How long to wait for `pong` (or a WebSocket pong from a plain client) before closing 4002. @default 10_000 */
  pongTimeoutMs?: number
  /** Deadline for the first `connect` frame, else close 4504. @default 10_000 */
  connectTimeoutMs?: number
  /** Largest accepted message, across fragments; larger closes 1009. @default 65_536 */
  maxFrameBytes?: number
  /** Fragments one WebSocket message may arrive in; more closes 1008. @default 256 */
  maxFragmentsPerMessage?: number
  /** Largest HTTP request header block, upgrade requests included. @default 16_384 */
  maxHeaderBytes?: number
  /** Largest `publish` or `signal` frame (larger ones get `too_large`), and largest plain text line (answered with a `[Server]: ...` line, not relayed). @default 32_768 */
  maxPublishBytes?: number
  /**
   * Largest `pong` frame; a larger one is an invalid frame, refused without a JSON parse (the
   * canonical `{"type":"pong"}` is 15). @default 64
   */
  maxPongBytes?: number
  /** Subscriptions one connection may hold. @default 128 */
  maxChannelsPerConnection?: number
  /** Longest channel name. @default 255 */
  maxChannelLength?: number
  /** Deepest nesting of objects and arrays in `data` and `params`. @default 32 */
  maxDataDepth?: number
  /**
   * Bound on the history bytes of the default memory engine (see `MemoryEngineOptions`); an
   * engine passed as `engine` has its own. `hubbub serve` passes it to its engine (SQLite or memory;
   * SQLite defaults to 1 GiB, see `SqliteEngineOptions`).
   * @default 268_435_456 (256 MiB)
   */
  maxHistoryBytes?: number
  /** Sustained requests (frames) per second per connection, a token bucket. @default 100 */
  requestsPerSecond?: number
  /** Token bucket size: how many frames may arrive at once. @default 200 */
  requestBurst?: number
  /**
   * New channels (streams created by a publish, subscribe or history read of a channel that has
   * none) one connection may create per second, a token bucket; past it the request gets
   * `too_many_requests`. Existing channels are never charged; the HTTP API and server-side
   * sessions are exempt. @default 10
   */
  newChannelsPerSecond?: number
  /** Token bucket size of `newChannelsPerSecond`. @default 100 */
  newChannelBurst?: number
  /** As `newChannelsPerSecond`, for all connections from one IP address together. @default 50 */
  newChannelsPerSecondPerIp?: number
  /** Token bucket size of `newChannelsPerSecondPerIp`. @default 500 */
  newChannelBurstPerIp?: number
  /** Frames refused for rate within `abuseWindowMs` before closing 4029. @default 50 */
  maxRateLimitedFrames?: number
  /** Invalid frames within `abuseWindowMs` before closing 4500. @default 10 */
  maxInvalidFrames?: number
  /** Window for counting invalid and rate-limited frames. @default 10_000 */
  abuseWindowMs?: number
  /** Connections this node accepts; more are closed 1013. @default 10_000 */
  maxConnections?: number
  /** Connections from one IP address; more are closed 1013. @default 1_000 */
  maxConnectionsPerIp?: number
  /**
   * Sockets from one IP address (the socket's own, even behind a proxy) that have not finished
   * their HTTP request or upgrade headers after a second (younger ones do not count: a busy server
   * reads late); past it a new socket is destroyed at once, and the extra pending ones are closed.
   * @default 64
   */
  maxPendingHeadersPerIp?: number
  /**
   * WebSocket connections from one IP address upgraded but not yet through `connect` after a
   * second; more are closed 1013. @default 128
   */
  maxPendingConnectsPerIp?: number
  /**
   * Deadline for a socket's HTTP request or upgrade headers, from the moment it is accepted (a
   * socket that sends nothing is closed too). @default 5_000
   */
  headersTimeoutMs?: number
  /**
   * File descriptors kept free under the soft open-files limit (RLIMIT_NOFILE, read from
   * /proc/self/limits on Linux; elsewhere no cap): once sockets would eat into them, the oldest
   * socket still sending headers is closed for a new one, or the new one is. @default 64
   */
  reservedFileDescriptors?: number
  /**
   * Log lines carrying an error, per kind (level and message), within `failureLogWindowMs`;
   * further ones are counted and summed up in one "suppressed N" line. @default 10
   */
  maxFailureLogLines?: number
  /** Window for `maxFailureLogLines`. @default 60_000 */
  failureLogWindowMs?: number
  /**
   * Origins (e.g. `https://app.example.com`) allowed to open WebSockets, besides the page's own
   * origin and localhost; `'*'` allows any. Requests without an Origin header (non-browsers) are
   * always allowed. Others get HTTP 403. @default []
   */
  allowedOrigins?: string[]
  /** Buffered bytes on a socket past which live messages follow the channel's backpressure policy. @default 262_144 */
  sendHighWaterBytes?: number
  /** Buffered bytes past which a socket is closed 4001 whatever the policy. @default 4_194_304 */
  maxBufferedBytes?: number
  /**
   * Bytes of recent `pub` frames kept, across all channels, while a channel has subscribers that
   * lag behind (`recover` policy): they catch up from these shared Buffers rather than each
   * reading history, even when they are further behind than history reaches. Split evenly between
   * such channels. 0 keeps none (catch-up then reads history, a page at a time).
   * @default 67_108_864
   */
  catchUpCacheBytes?: number
  /**
   * Largest message packing several frames for a client that asked for batching (`connect` with
   * `batch: true`); 0 turns batching off. @default 65_536
   */
  maxBatchBytes?: number
  /** Presence entries expire this long after their node last refreshed them. @default 60_000 */
  presenceTtlMs?: number
  /**
   * `join`/`leave` events one channel sends its subscribers per second (per node). Past it the
   * rest of the second's events are held back and, at the second's end, each subscriber gets one
   * `members` frame with the full member list instead. @default 20
   */
  maxPresenceEventsPerSecond?: number
  /**
   * Graceful shutdown: how long `/readyz` answers 503 ("draining") while the node still serves
   * as usual, before it stops listening and tells clients to leave, so that a load balancer
   * probing `/readyz` stops sending it new clients first. @default 0
   */
  drainDelayMs?: number
  /** Graceful shutdown: how long to wait for clients to close before dropping them. @default 5_000 */
  shutdownTimeoutMs?: number
  /** Graceful shutdown: reconnect hints are spread uniformly over this window. @default 5_000 */
  shutdownSpreadMs?: number

  /**
   * Webhook receivers, POSTed signed JSON events (see `WebhookOptions` and docs/operations.md);
   * at shutdown, waiting events get up to `shutdownTimeoutMs` to be sent. @default []
   */
  webhooks?: WebhookOptions[]
  /** Events waiting per webhook; past it the oldest waiting one is dropped and counted. @default 10_000 */
  maxQueuedWebhookEvents?: number
  /** Deadline of one webhook POST. @default 5_000 */
  webhookTimeoutMs?: number
  /** Tries per webhook event, the first included, before it counts as failed. @default 5 */
  webhookMaxAttempts?: number
  /** First webhook retry delay; each next one doubles, with jitter. @default 500 */
  webhookRetryMinMs?: number
  /** Largest webhook retry delay. @default 30_000 */
  webhookRetryMaxMs?: number
}

type Tuning = Omit<
  ServerOptions,
  | 'engine'
  | 'apps'
  | 'channels'
  | 'nodeId'
  | 'staticDir'
  | 'authenticate'
  | 'logger'
  | 'host'
  | 'jwt'
  | 'secret'
  | 'apiKey'
  | 'tls'
>

export const serverDefaults: Required<Tuning> = {
  port: 8765,
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  maxFrameBytes: 65_536,
  maxFragmentsPerMessage: 256,
  maxHeaderBytes: 16_384,
  maxPublishBytes: 32_768,
  maxPongBytes: 64,
  maxChannelsPerConnection: 128,
  maxChannelLength: 255,
  maxDataDepth: 32,
  maxHistoryBytes: 268_435_456,
  requestsPerSecond: 100,
  requestBurst: 200,
  newChannelsPerSecond: 10,
  newChannelBurst: 100,
  newChannelsPerSecondPerIp: 50,
  newChannelBurstPerIp: 500,
  maxRateLimitedFrames: 50,
  maxInvalidFrames: 10,
  abuseWindowMs: 10_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 1_000,
  maxPendingHeadersPerIp: 64,
  maxPendingConnectsPerIp: 128,
  headersTimeoutMs: 5_000,
  reservedFileDescriptors: 64,
  maxFailureLogLines: 10,
  failureLogWindowMs: 60_000,
  allowedOrigins: [],
  sendHighWaterBytes: 262_144,
  maxBufferedBytes: 4_194_304,
  catchUpCacheBytes: 67_108_864,
  maxBatchBytes: 65_536,
  presenceTtlMs: 60_000,
  maxPresenceEventsPerSecond: 20,
  drainDelayMs: 0,
  shutdownTimeoutMs: 5_000,
  shutdownSpreadMs: 5_000,
  anonymous: true,
  publicHosts: [],
  trustProxy: false,
  maxApiBodyBytes: 1_048_576,
  maxBroadcastChannels: 1_000,
  metrics: true,
  metricsRequireKey: false,
  readyTimeoutMs: 2_000,
  maxRecentDisconnects: 100,
  webhooks: [],
  maxQueuedWebhookEvents: 10_000,
  webhookTimeoutMs: 5_000,
  webhookMaxAttempts: 5,
  webhookRetryMinMs: 500,
  webhookRetryMaxMs: 30_000,
}

/** Options with every default applied, as the internals receive them. */
export type ResolvedOptions = Required<Tuning> &
  Pick<ServerOptions, 'host' | 'staticDir' | 'authenticate' | 'jwt' | 'apiKey' | 'tls'> & {
    /** The resolved secret (given, or random per process). */
    secret: string
    engine: Engine
    apps: App[]
    channels: Record<string, ChannelOptions>
    nodeId: string
    logger: Logger
  }
