/** The public server API: `import { createServer } from 'hubbub'`. */
export { createServer } from './server.js'
export type * from './api.js'
export type { ServerOptions, Identity, JwtOptions, TlsOptions } from './options.js'
export { serverDefaults, MIN_SECRET_LENGTH, MIN_API_KEY_LENGTH } from './options.js'
export type {
  ChannelOptions,
  BackpressurePolicy,
  ChannelGuard,
  ChannelWrite,
  ChannelWriteGuard,
  Access,
  ChannelAccess,
  ChannelAction,
} from './channel-options.js'
export type { Caller } from './caller.js'
export { channelDefaults } from './channel-options.js'
export { ReplyError, Disconnect } from './errors.js'
export { createTokenBucket, type TokenBucket } from './rate-limit.js'
export { createJwtAuthenticator, JwtConfigError } from './auth/jwt.js'
export type { Engine, Broker, Presence, State } from '../engine/types.js'
export { createMemoryEngine, createMemoryBackend } from '../engine/memory.js'
export type { MemoryEngineOptions } from '../engine/memory.js'
export { createSqliteEngine } from '../engine/sqlite.js'
export type { SqliteEngineOptions } from '../engine/sqlite.js'
export * from '../protocol/index.js'
export type { WebhookOptions, WebhookStats, HubEventType } from './webhooks/index.js'
export {
  HUB_EVENT_TYPES,
  MIN_WEBHOOK_SECRET_LENGTH,
  signWebhook,
  webhookProblem,
} from './webhooks/index.js'
