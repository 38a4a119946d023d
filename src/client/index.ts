/** The client SDK: `import { connect } from 'hubbub/client'`. Runs in browsers and Node. */
export { Client, connect } from './client.js'
export type {
  ClientEvents,
  ClientOptions,
  ClientState,
  WebSocketConstructor,
  WebSocketLike,
} from './client.js'
export { Subscription } from './subscription.js'
export type { SubscriptionEvents, SubscriptionState } from './subscription.js'
export { HubbubError } from './errors.js'
export { UpgradeRefusedError } from './connect-failure.js'
export type { ConnectFailure } from './connect-failure.js'
export type { HistoryQuery } from './channel-reads.js'
export { backoffDelayMs } from './backoff.js'
export type { ConnectResult, HistoryResult, Member, Position, Pub } from '../protocol/index.js'
export { CloseCode, ErrorCode } from '../protocol/index.js'
export { checkDisplayName, MAX_DISPLAY_NAME_LENGTH, toVisibleLine } from '../protocol/index.js'
export type { NameCheck } from '../protocol/index.js'
