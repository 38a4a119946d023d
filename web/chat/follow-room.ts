import type { Client, Subscription } from '../../src/client/index.ts'
import type { RoomAction } from './room-state.ts'

/** Messages loaded from history on entering a room (and after a reset). */
export const HISTORY_LIMIT = 50

/**
 * Feeds a chat room's events to `dispatch`: the member list on every (re)subscribe, the latest
 * history once subscribed (again after a reset, when a reconnect could not recover what was
 * missed), live messages, join and leave. Returns what stops it.
 */
export const followRoom = (
  client: Client,
  sub: Subscription,
  dispatch: (action: RoomAction) => void,
): (() => void) => {
  let hasHistory = false
  let isFollowing = true
  const loadHistory = (): void => {
    sub.history({ limit: HISTORY_LIMIT }).then(
      ({ pubs }) => {
        if (!isFollowing) return
        hasHistory = true
        dispatch({ type: 'history', pubs })
      },
      (error: unknown) => {
        // Tried again on the next (re)subscribe; live messages keep coming meanwhile.
        console.warn('could not load the room history', error)
      },
    )
  }
  const offs = [
    sub.on('subscribed', ({ members }) => {
      dispatch({ type: 'subscribed', self: client.session?.user ?? '', members: members ?? [] })
      if (!hasHistory) loadHistory()
    }),
    sub.on('reset', () => {
      dispatch({ type: 'reset' })
      loadHistory()
    }),
    sub.on('message', (pub) => {
      dispatch({ type: 'message', pub })
    }),
    sub.on('join', (member) => {
      dispatch({ type: 'join', member })
    }),
    sub.on('leave', (member) => {
      dispatch({ type: 'leave', member })
    }),
  ]
  return () => {
    isFollowing = false
    for (const off of offs) off()
  }
}
