import { CloseCode, type Member, type Position } from '../../protocol/index.js'
import type { ChannelEvent, HubApi, LocalSession, TextConnection } from '../../server/index.js'
import { followChannel } from './follow-channel.js'
import { createMemberView } from './member-view.js'
import { createLineSender, describeError, isRefusal, serverLine } from './lines.js'
import type { SessionRegistry } from './session-registry.js'
import { createTaskQueue } from './task-queue.js'

export interface ChannelBridgeOptions {
  channel: string
  /** The session's display name, as channel members see it. */
  name: string
  /** What the user joins, for messages such as "Could not join the chat". */
  label: string
  /** The line to show for a channel event, or undefined to show nothing. `self` is this session. */
  render(event: ChannelEvent, self: Member): string | undefined
  /**
   * How the server's own notices read (could not join, message not sent, …).
   * @default serverLine: `[Server]: <text>`
   */
  notice?: (text: string) => string
  /**
   * Called with the channel's members (this session included) once the members present at
   * subscribe time are known, and after every arrival and departure shown since.
   * @default undefined
   */
  onMembers?: (members: readonly Member[]) => void
}

/** One text connection's seat in a channel. */
export interface ChannelBridge {
  /**
   * Publishes `{ text }` as this session, after the subscribe and every earlier publish;
   * `onPublished` runs once the channel has it.
   */
  publish(text: string, onPublished?: (position: Position) => void): void
  /** Signals `data` (e.g. typing) as this session, in order with the publishes; failures are logged. */
  signal(data: unknown): void
}

/**
 * Seats a text connection in a channel through a server-side session: subscribes at once, shows
 * the channel's events as lines, publishes the connection's lines in order, and closes the session
 * when the connection closes (also when it closes before the subscribe finished). Hub errors never
 * escape: the user gets a `[Server]: ...` line and the error is logged; when the session cannot
 * follow the channel any more, the connection is closed.
 */
export const bridgeToChannel = (
  hub: HubApi,
  sessions: SessionRegistry,
  connection: TextConnection,
  options: ChannelBridgeOptions,
): ChannelBridge => {
  const { channel, label } = options
  const notice = options.notice ?? serverLine
  const send = createLineSender(connection)
  const log = (error: unknown, what: string): void => {
    const level = isRefusal(error) ? 'debug' : 'warn'
    hub.log[level]({ err: error, path: connection.path, channel }, what)
  }
  const queue = createTaskQueue((error) => {
    log(error, `text bridge task failed`)
  })
  const end = (line: string, code: number, reason: string): void => {
    send(notice(line))
    connection.close(code, reason)
  }

  let session: LocalSession
  try {
    session = sessions.open(options.name)
  } catch (error) {
    log(error, 'could not create a session')
    end(`Could not join ${label}: ${describeError(error)}`, CloseCode.Internal, 'no session')
    return { publish: () => undefined, signal: () => undefined }
  }

  // False once the session cannot follow the channel: its lines are no longer published.
  let isSeated = true
  let isClosed = false
  const stopFollowing = (line: string, code: number, reason: string): void => {
    if (!isSeated) return
    isSeated = false
    if (!isClosed) end(line, code, reason)
  }
  const members = createMemberView()
  let isSeeded = false
  const membersChanged = (): void => {
    if (isSeeded) options.onMembers?.(members.list())
  }
  queue.run(async () => {
    try {
      await followChannel(session, channel, {
        onEvent(event) {
          if (event.type === 'unsubscribed') {
            const line = `You were removed from ${label}: ${event.reason}`
            stopFollowing(line, CloseCode.Normal, 'unsubscribed')
            return
          }
          for (const shown of members.apply(event)) {
            const line = options.render(shown, session.member)
            if (line !== undefined) send(line)
            if (shown.type === 'join' || shown.type === 'leave') membersChanged()
          }
        },
        onGap() {
          send(notice('Some messages were lost while reconnecting.'))
        },
        onError(error) {
          log(error, 'resubscribe failed')
          const line = `Lost the connection to ${label}: ${describeError(error)}`
          stopFollowing(line, CloseCode.TryAgainLater, 'resubscribe failed')
        },
      })
      // Not awaited by the queue: publishing need not wait for it.
      hub.presence(channel).then(
        (present) => {
          members.seed(present)
          isSeeded = true
          membersChanged()
        },
        (error: unknown) => {
          log(error, 'presence read failed')
        },
      )
    } catch (error) {
      log(error, 'subscribe failed')
      const line = `Could not join ${label}: ${describeError(error)}`
      stopFollowing(line, CloseCode.TryAgainLater, 'subscribe failed')
    }
  })

  connection.on('close', () => {
    isClosed = true
    // Queued after the lines that arrived before the close, so a client's last words still go out.
    queue.run(() => sessions.close(session))
  })

  return {
    publish(text, onPublished) {
      queue.run(async () => {
        if (!isSeated) return
        try {
          const position = await session.publish(channel, { text })
          onPublished?.(position)
        } catch (error) {
          log(error, 'publish failed')
          send(notice(`Your message was not sent: ${describeError(error)}`))
        }
      })
    },
    signal(data) {
      queue.run(async () => {
        if (!isSeated || isClosed) return
        try {
          await session.signal(channel, data)
        } catch (error) {
          log(error, 'signal failed')
        }
      })
    },
  }
}
