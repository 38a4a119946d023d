import { CloseCode, type Member, type SubscribeResult } from '../../protocol/index.js'
import type { ChannelEvent, HubApi, LocalSession, TextConnection } from '../../server/index.js'
import { followChannel } from '../text/follow-channel.js'
import { describeError, isRefusal } from '../text/lines.js'
import type { SessionRegistry } from '../text/session-registry.js'
import type { JsonPeer } from './json-peer.js'

/** What a JSON endpoint does with one channel's events. */
export interface JsonFollower {
  /** Every event of the channel, in order, without duplicates (`unsubscribed` ends the connection). */
  onEvent(event: Exclude<ChannelEvent, { type: 'unsubscribed' }>): void
  /** Each (re)subscribe's result, before the events after it. @default undefined */
  onSubscribed?(result: SubscribeResult): void
}

/** A JSON connection's server-side session. */
export interface JsonSession {
  readonly member: Member
  readonly session: LocalSession
  /** False once the connection has closed. */
  isOpen(): boolean
  /**
   * Subscribes to `channel`; resolves true once subscribed, false when that failed (which ends
   * the connection with an error message). Never rejects.
   */
  follow(channel: string, follower: JsonFollower): Promise<boolean>
}

/**
 * Opens a server-side session for a JSON plain connection (so it is a member of the channels it
 * follows, on every node) and closes it when the connection closes. Hub failures never escape:
 * the client gets `{"type":"error"}` and the connection closes (1011 without a session, 1013
 * when a channel cannot be followed, 1000 when the server removed it); the failure is logged.
 * Returns undefined when no session could be made.
 */
export const openJsonSession = (
  parts: { hub: HubApi; sessions: SessionRegistry; connection: TextConnection; peer: JsonPeer },
  init: { name: string; info?: unknown },
): JsonSession | undefined => {
  const { hub, sessions, connection, peer } = parts
  let isClosed = false
  const end = (message: string, code: number, reason: string): void => {
    if (isClosed) return
    peer.error(message)
    connection.close(code, reason)
  }
  const log = (error: unknown, what: string, channel?: string): void => {
    hub.log[isRefusal(error) ? 'debug' : 'warn'](
      { err: error, path: connection.path, channel },
      what,
    )
  }
  let session: LocalSession
  try {
    session = sessions.open(init.name, init.info)
  } catch (error) {
    log(error, 'could not create a session')
    end(`the server cannot take you now: ${describeError(error)}`, CloseCode.Internal, 'no session')
    return undefined
  }
  connection.on('close', () => {
    isClosed = true
    sessions.close(session).catch((error: unknown) => {
      log(error, 'closing a JSON session failed')
    })
  })
  return {
    member: session.member,
    session,
    isOpen: () => !isClosed,
    follow(channel, follower) {
      const lost = (error: unknown, what: string): void => {
        // A session closed under a subscribe in flight fails it: nobody is left to tell.
        if (isClosed) return
        log(error, what, channel)
        end(`lost ${channel}: ${describeError(error)}`, CloseCode.TryAgainLater, what)
      }
      return followChannel(session, channel, {
        onEvent(event) {
          if (event.type === 'unsubscribed') {
            end(`removed from ${channel}: ${event.reason}`, CloseCode.Normal, 'unsubscribed')
            return
          }
          follower.onEvent(event)
        },
        onSubscribed: follower.onSubscribed?.bind(follower),
        onGap: () => undefined,
        onError(error) {
          lost(error, 'resubscribe failed')
        },
      }).then(
        () => true,
        (error: unknown) => {
          lost(error, 'subscribe failed')
          return false
        },
      )
    },
  }
}
