import { shouldResubscribe, type Position, type SubscribeResult } from '../../protocol/index.js'
import type { ChannelEvent, LocalSession } from '../../server/index.js'

export interface ChannelFollower {
  /** Every event of the channel, in stream order, without duplicates. */
  onEvent(event: ChannelEvent): void
  /** A resubscribe could not recover every missed publication; some are lost. */
  onGap(): void
  /** A resubscribe failed; the session no longer follows the channel. */
  onError(error: unknown): void
  /**
   * Each (re)subscribe's result (e.g. its `state`), before the publications it missed and the
   * events that arrived meanwhile. @default undefined
   */
  onSubscribed?(result: SubscribeResult): void
}

/**
 * Subscribes `session` to `channel` and hands its events to `follower`. When the server ends the
 * subscription asking for a resubscribe (`unsubscribed` 25xx, e.g. after a broker reconnect), it
 * resubscribes since the last publication seen and hands over the missed ones first, so that the
 * follower sees no duplicate and no silent gap. Any other `unsubscribed` reaches `onEvent`.
 * Resolves once subscribed; rejects as `LocalSession.subscribe` does.
 */
export const followChannel = async (
  session: LocalSession,
  channel: string,
  follower: ChannelFollower,
): Promise<void> => {
  let position: Position | undefined
  // Events that arrive while a subscribe is in flight wait, so that they follow its missed ones.
  let pending: ChannelEvent[] | undefined

  const deliver = (event: ChannelEvent): void => {
    if (event.type === 'pub') {
      const { epoch, seq } = event.pub
      if (position !== undefined && position.epoch === epoch && seq <= position.seq) return
      position = { epoch, seq }
    }
    follower.onEvent(event)
  }

  const listener = (event: ChannelEvent): void => {
    if (pending !== undefined) {
      pending.push(event)
    } else if (event.type === 'unsubscribed' && shouldResubscribe(event.code)) {
      subscribe(position).catch((error: unknown) => {
        follower.onError(error)
      })
    } else {
      deliver(event)
    }
  }

  const subscribe = async (since: Position | undefined): Promise<void> => {
    pending = []
    try {
      const result = await session.subscribe(
        channel,
        listener,
        since === undefined ? {} : { since },
      )
      follower.onSubscribed?.(result)
      if (since !== undefined && !result.recovered) follower.onGap()
      for (const pub of result.missed) deliver({ type: 'pub', channel, pub })
    } finally {
      const waiting = pending
      pending = undefined
      for (const event of waiting) listener(event)
    }
  }

  await subscribe(undefined)
}
