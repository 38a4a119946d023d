import type { Member } from '../../protocol/index.js'
import type { ChannelEvent, HubApi, TextConnection } from '../../server/index.js'
import { bridgeToChannel, type ChannelBridge } from './channel-bridge.js'
import { toUsername } from './chat-format.js'
import {
  decodeJsonChatInput,
  encodeJsonChatOutput,
  type JsonChatInput,
  type JsonChatOutput,
} from './json-chat-frames.js'
import {
  createTypingRelay,
  createTypistWatch,
  isTypingSignal,
  type TypingRelay,
  type TypingTimings,
  type TypistWatch,
} from './json-chat-typing.js'
import { createLineSender, textOf } from './lines.js'
import type { SessionRegistry } from './session-registry.js'

export interface JsonChatOptions {
  /** The room, e.g. `chat:lobby`. */
  channel: string
  /** Longest username, in characters; longer ones are cut. */
  maxNameLength: number
  typing: TypingTimings
}

/** One `/chat` connection that speaks the JSON dialect. */
export interface JsonChat {
  /** A message from the client, its first one included. */
  receive(message: string): void
}

/** The names of the people among `members`: one per user, in order of first appearance. */
export const usernamesOf = (members: readonly Member[]): string[] => {
  const names = new Map<string, string>()
  for (const member of members) if (!names.has(member.user)) names.set(member.user, member.name)
  return [...names.values()]
}

/** How a chat room's event reads in the JSON dialect, for the session `self`; undefined for none. */
const renderJsonChatEvent = (
  event: ChannelEvent,
  self: Member,
  typists: TypistWatch,
): JsonChatOutput | undefined => {
  switch (event.type) {
    case 'pub': {
      const { from, data, time } = event.pub
      const text = textOf(data)
      if (text === undefined) return undefined
      if (from !== undefined) typists.messaged(from.user)
      const username = from?.name ?? 'Server'
      return { type: 'message', username, text, timestamp: new Date(time).toISOString() }
    }
    case 'join':
      return { type: 'join', username: event.member.name }
    case 'leave':
      typists.left(event.member)
      return { type: 'leave', username: event.member.name }
    case 'signal':
      if (event.from.client !== self.client && isTypingSignal(event.data))
        typists.signal(event.from, event.data)
      return undefined
    case 'members':
    case 'unsubscribed':
      return undefined
  }
}

/**
 * The JSON dialect of `/chat` (see docs/protocol.md): `join` seats the connection in the room
 * under its `username` (a `message` or `typing` carrying a `username` joins too); from then on
 * `message` publishes `{ text }` to the room and `typing` / `stop_typing` become the room's typing
 * signals. The client receives the room's messages (its own too, once published), arrivals and
 * departures (its own arrival too, before the first user list), the user list after each change, and the others' typing.
 * Anything it cannot use gets `{"type":"error","message":…}`; nothing closes the connection.
 */
export const startJsonChat = (
  hub: HubApi,
  sessions: SessionRegistry,
  connection: TextConnection,
  options: JsonChatOptions,
): JsonChat => {
  connection.speakJson()
  const sendLine = createLineSender(connection)
  const send = (output: JsonChatOutput): void => {
    sendLine(encodeJsonChatOutput(output))
  }
  const sendError = (message: string): void => {
    send({ type: 'error', message })
  }
  let seat: { bridge: ChannelBridge; name: string; relay: TypingRelay } | undefined

  const join = (requested: string): typeof seat => {
    const check = toUsername(requested, options.maxNameLength)
    if (!check.ok) {
      sendError(`that username cannot be used: ${check.problem}`)
      return undefined
    }
    if (check.name === '') {
      sendError('the username is empty')
      return undefined
    }
    let isAnnounced = false
    const typists = createTypistWatch(options.typing.expiryMs, {
      onStart: (username) => {
        send({ type: 'typing', username })
      },
      onStop: (username) => {
        send({ type: 'stop_typing', username })
      },
    })
    const bridge = bridgeToChannel(hub, sessions, connection, {
      channel: options.channel,
      name: check.name,
      label: 'the chat',
      render: (event, self) => {
        const output = renderJsonChatEvent(event, self, typists)
        return output === undefined ? undefined : encodeJsonChatOutput(output)
      },
      notice: (message) => encodeJsonChatOutput({ type: 'error', message }),
      onMembers: (members) => {
        // The room announces an arrival to the others only; a tutorial server tells everyone.
        if (!isAnnounced) send({ type: 'join', username: check.name })
        isAnnounced = true
        send({ type: 'users', users: usernamesOf(members) })
      },
    })
    const relay = createTypingRelay((data) => {
      bridge.signal(data)
    }, options.typing)
    connection.on('close', () => {
      relay.dispose()
      typists.dispose()
    })
    return { bridge, name: check.name, relay }
  }

  /** The seat, taking one with `username` if there is none yet. */
  const seated = (username: string | undefined): typeof seat => {
    if (seat !== undefined) return seat
    if (username === undefined) {
      sendError('join first: {"type":"join","username":"<your name>"}')
      return undefined
    }
    seat = join(username)
    return seat
  }

  const handle = (input: JsonChatInput): void => {
    switch (input.type) {
      case 'join': {
        if (seat === undefined) {
          seat = join(input.username)
          return
        }
        const check = toUsername(input.username, options.maxNameLength)
        if (!check.ok || check.name !== seat.name)
          sendError(`already joined as ${JSON.stringify(seat.name)}`)
        return
      }
      case 'message': {
        const current = seated(input.username)
        if (current === undefined || input.text.trim() === '') return
        current.relay.sent()
        const { name } = current
        const { text } = input
        current.bridge.publish(text, () => {
          // The room does not echo a publication to its sender: the snippet shows it from here.
          send({ type: 'message', username: name, text, timestamp: new Date().toISOString() })
        })
        return
      }
      case 'typing':
        seated(input.username)?.relay.typing()
        return
      case 'stop_typing':
        seated(input.username)?.relay.stopped()
        return
    }
  }

  return {
    receive(message) {
      const decoded = decodeJsonChatInput(message)
      if (decoded.ok) handle(decoded.input)
      else sendError(decoded.problem)
    },
  }
}
