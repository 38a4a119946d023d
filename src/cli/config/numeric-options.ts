/**
 * The whole-number server options `hubbub serve` takes: config-file key (= the option's name),
 * range, and, for most, a flag with its environment variable (`HUBBUB_` and the flag's name in
 * capitals). One table for the flags, the file and the docs, so that they agree.
 */
import { serverDefaults } from '../../server/index.js'

/** The largest delay a Node timer takes; past it, `setTimeout` fires at once. */
export const MAX_TIMER_MS = 2_147_483_647
const ANY = Number.MAX_SAFE_INTEGER

export interface NumericOption {
  readonly option: keyof typeof serverDefaults
  readonly min: number
  readonly max: number
  readonly flag?: string
  readonly doc: string
}

export const numericOptions = [
  {
    option: 'pingIntervalMs',
    min: 1_000,
    max: MAX_TIMER_MS,
    flag: 'ping-interval',
    doc: 'server ping interval',
  },
  { option: 'pongTimeoutMs', min: 1, max: MAX_TIMER_MS, doc: 'no pong within this closes 4002' },
  {
    option: 'connectTimeoutMs',
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'deadline of the connect frame (else 4504)',
  },
  { option: 'maxFrameBytes', min: 1, max: ANY, doc: 'largest message; larger closes 1009' },
  { option: 'maxFragmentsPerMessage', min: 1, max: ANY, doc: 'fragments per WebSocket message' },
  { option: 'maxHeaderBytes', min: 1_024, max: ANY, doc: 'largest HTTP header block' },
  {
    option: 'maxPublishBytes',
    min: 1,
    max: ANY,
    doc: 'largest publish or signal frame, and plain text line',
  },
  {
    option: 'maxPongBytes',
    min: 15,
    max: 1_048_576,
    flag: 'max-pong-bytes',
    doc: 'largest pong frame',
  },
  { option: 'maxChannelsPerConnection', min: 1, max: ANY, doc: 'subscriptions per connection' },
  { option: 'maxChannelLength', min: 1, max: ANY, doc: 'longest channel name' },
  { option: 'maxDataDepth', min: 1, max: ANY, doc: 'deepest nesting in data and params' },
  {
    option: 'requestsPerSecond',
    min: 1,
    max: 1_000_000,
    flag: 'requests-per-second',
    doc: 'sustained frames per second per connection',
  },
  {
    option: 'requestBurst',
    min: 1,
    max: 1_000_000,
    flag: 'request-burst',
    doc: 'frames one connection may send at once',
  },
  {
    option: 'maxRateLimitedFrames',
    min: 1,
    max: ANY,
    doc: 'rate-limited frames per abuse window before 4029',
  },
  {
    option: 'maxInvalidFrames',
    min: 1,
    max: ANY,
    doc: 'invalid frames per abuse window before 4500',
  },
  { option: 'abuseWindowMs', min: 1, max: MAX_TIMER_MS, doc: 'window of the two above' },
  {
    option: 'maxConnections',
    min: 1,
    max: ANY,
    flag: 'max-connections',
    doc: 'connections per node; more are closed 1013',
  },
  {
    option: 'maxConnectionsPerIp',
    min: 1,
    max: ANY,
    flag: 'max-connections-per-ip',
    doc: 'connections per IP address',
  },
  {
    option: 'maxPendingHeadersPerIp',
    min: 1,
    max: ANY,
    flag: 'max-pending-headers-per-ip',
    doc: 'sockets per IP still sending headers after a second',
  },
  {
    option: 'maxPendingConnectsPerIp',
    min: 1,
    max: ANY,
    flag: 'max-pending-connects-per-ip',
    doc: 'WebSockets per IP without a connect frame after a second',
  },
  {
    option: 'headersTimeoutMs',
    min: 100,
    max: MAX_TIMER_MS,
    flag: 'headers-timeout',
    doc: "deadline of a socket's request headers",
  },
  {
    option: 'reservedFileDescriptors',
    min: 0,
    max: ANY,
    flag: 'reserved-file-descriptors',
    doc: 'file descriptors kept free under ulimit -n',
  },
  {
    option: 'maxFailureLogLines',
    min: 1,
    max: ANY,
    flag: 'max-failure-log-lines',
    doc: 'error lines of one kind per window',
  },
  {
    option: 'failureLogWindowMs',
    min: 1_000,
    max: MAX_TIMER_MS,
    flag: 'failure-log-window',
    doc: 'window of maxFailureLogLines',
  },
  {
    option: 'maxApiBodyBytes',
    min: 1_024,
    max: ANY,
    flag: 'max-api-body-bytes',
    doc: 'largest HTTP API body; larger gets 413',
  },
  {
    option: 'maxBroadcastChannels',
    min: 1,
    max: ANY,
    flag: 'max-broadcast-channels',
    doc: 'channels one API broadcast names',
  },
  {
    option: 'sendHighWaterBytes',
    min: 1,
    max: ANY,
    flag: 'send-high-water-bytes',
    doc: 'buffered bytes past which backpressure policies apply',
  },
  {
    option: 'maxBufferedBytes',
    min: 1,
    max: ANY,
    flag: 'max-buffered-bytes',
    doc: 'buffered bytes past which a socket is closed 4001',
  },
  {
    option: 'catchUpCacheBytes',
    min: 0,
    max: ANY,
    flag: 'catch-up-cache-bytes',
    doc: 'recent frames kept for lagging readers',
  },
  {
    option: 'maxBatchBytes',
    min: 0,
    max: ANY,
    doc: 'largest batched message; 0 turns batching off',
  },
  {
    option: 'presenceTtlMs',
    min: 300,
    max: MAX_TIMER_MS,
    flag: 'presence-ttl',
    doc: 'presence entries expire this long after the last refresh',
  },
  {
    option: 'maxPresenceEventsPerSecond',
    min: 1,
    max: 1_000_000,
    flag: 'max-presence-events-per-second',
    doc: 'join/leave events per channel per second',
  },
  {
    option: 'maxHistoryBytes',
    min: 65_536,
    max: ANY,
    flag: 'max-history-bytes',
    doc: 'bound on kept history (SQLite default 1 GiB)',
  },
  {
    option: 'newChannelsPerSecond',
    min: 1,
    max: 1_000_000,
    flag: 'new-channels-per-second',
    doc: 'new channels per connection per second',
  },
  {
    option: 'newChannelBurst',
    min: 1,
    max: 1_000_000,
    flag: 'new-channel-burst',
    doc: 'new channels per connection at once',
  },
  {
    option: 'newChannelsPerSecondPerIp',
    min: 1,
    max: 1_000_000,
    flag: 'new-channels-per-second-per-ip',
    doc: 'new channels per IP address per second',
  },
  {
    option: 'newChannelBurstPerIp',
    min: 1,
    max: 1_000_000,
    flag: 'new-channel-burst-per-ip',
    doc: 'new channels per IP address at once',
  },
  {
    option: 'shutdownTimeoutMs',
    min: 0,
    max: MAX_TIMER_MS,
    doc: 'graceful shutdown: wait for clients (and webhooks)',
  },
  {
    option: 'shutdownSpreadMs',
    min: 0,
    max: MAX_TIMER_MS,
    doc: 'graceful shutdown: spread of reconnect hints',
  },
  {
    option: 'drainDelayMs',
    min: 0,
    max: MAX_TIMER_MS,
    flag: 'drain-delay',
    doc: 'graceful shutdown: /readyz answers 503 this long before clients are told to leave',
  },
  {
    option: 'readyTimeoutMs',
    min: 100,
    max: MAX_TIMER_MS,
    flag: 'ready-timeout',
    doc: '/readyz answers 503 when the engine has not answered a ping by then',
  },
  { option: 'maxRecentDisconnects', min: 0, max: 100_000, doc: 'disconnects kept for /api' },
  {
    option: 'maxQueuedWebhookEvents',
    min: 1,
    max: ANY,
    doc: 'events waiting per webhook; the oldest is dropped past it',
  },
  { option: 'webhookTimeoutMs', min: 1, max: MAX_TIMER_MS, doc: 'deadline of one webhook POST' },
  { option: 'webhookMaxAttempts', min: 1, max: 100, doc: 'tries per webhook event' },
  {
    option: 'webhookRetryMinMs',
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'first webhook retry delay (doubling, jittered)',
  },
  { option: 'webhookRetryMaxMs', min: 1, max: MAX_TIMER_MS, doc: 'largest webhook retry delay' },
] as const satisfies readonly NumericOption[]

export type NumericOptionKey = (typeof numericOptions)[number]['option']

/** The environment variable of a flag. */
export const flagEnv = (flag: string): string => `HUBBUB_${flag.replaceAll('-', '_').toUpperCase()}`

/** The options that have a flag, as the command line reads them. */
export const numericFlags = numericOptions.flatMap((entry: NumericOption) =>
  entry.flag === undefined
    ? []
    : [
        {
          flag: entry.flag,
          env: flagEnv(entry.flag),
          option: entry.option as NumericOptionKey,
          min: entry.min,
          max: entry.max,
        },
      ],
)
