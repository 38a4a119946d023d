import type { Pub } from '../protocol/index.js'
import type { Member } from '../protocol/index.js'
import type { ChannelEvent } from './api.js'
import type { ResolvedChannelOptions } from './channel-options.js'

/**
 * Something the hub delivers to: a WebSocket connection or a server-side session.
 * Both methods run on the fan-out hot path: no awaiting, no throwing.
 */
export interface Recipient {
  readonly member: Member
  /**
   * A publication of a subscribed channel; `frame` is its `pub` frame, encoded once per node.
   * Returns whether it went to the recipient now (false: skipped, held back or caught up later).
   */
  deliverPub(sub: Subscription, pub: Pub, frame: Buffer): boolean
  /** A signal, join, leave, members or unsubscribed event; `frame` is encoded once per node. */
  deliverEvent(sub: Subscription, event: ChannelEvent, frame: Buffer): void
}

/**
 * One recipient's subscription to one channel. The hub creates it in `syncing` state, where
 * live publications are parked in `pending` until the subscribe reply has gone out.
 */
export interface Subscription {
  readonly channel: string
  readonly recipient: Recipient
  readonly options: ResolvedChannelOptions
  /** The stream the recipient follows; set when syncing ends. */
  epoch: string
  /** The seq of the last publication the recipient has (or was told it has). */
  lastSeq: number
  /**
   * `syncing`: subscribe in progress; `live`: publications flow; `lagging`: the recipient's socket
   * was full under the `recover` policy and it will catch up from history.
   */
  phase: 'syncing' | 'live' | 'lagging'
  /** Publications that arrived while syncing, bounded by `maxPendingPubs`. */
  pending: Pub[]
  /** Set once the subscription is gone, so late async work can tell. */
  isClosed: boolean
  /** Whether the recipient may read presence, so may be sent `members` lists. */
  readonly mayListMembers: boolean
}

/** Publications parked per syncing subscription before the recipient is treated as lagging. */
export const maxPendingPubs = 1_000

/** What a recipient should do with a live publication. */
export type PubVerdict =
  /** Send it. */
  | 'deliver'
  /** Already delivered, or the recipient's own publication on a channel without echo. */
  | 'skip'
  /** One or more publications before it are missing: recover from history. */
  | 'gap'

/**
 * Classifies a live publication for one subscription and, unless it is a gap, advances the
 * subscription's position past it. Channels whose policy is not `recover` never report a gap:
 * they skip ahead and the client sees the jump in `seq`.
 */
export const classifyPub = (sub: Subscription, pub: Pub): PubVerdict => {
  if (pub.epoch === sub.epoch && pub.seq <= sub.lastSeq) return 'skip'
  const isContiguous = pub.epoch === sub.epoch && pub.seq === sub.lastSeq + 1
  if (!isContiguous && sub.options.backpressure === 'recover' && sub.options.historySize > 0)
    return 'gap'
  sub.lastSeq = pub.seq
  sub.epoch = pub.epoch
  return isOwn(sub, pub) ? 'skip' : 'deliver'
}

/** Whether `pub` was published by this subscription's recipient on a channel without echo. */
export const isOwn = (sub: Subscription, pub: Pub): boolean => isFromOwn(sub, pub.from?.client)

/** Whether a publication by `fromClient` is this subscription's recipient's own, on a channel without echo. */
export const isFromOwn = (sub: Subscription, fromClient: string | undefined): boolean =>
  !sub.options.echo && fromClient !== undefined && fromClient === sub.recipient.member.client
