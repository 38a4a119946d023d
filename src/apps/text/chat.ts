import type { HubApi, TextEndpoint } from '../../server/index.js'
import { bridgeToChannel, type ChannelBridge } from './channel-bridge.js'
import { renderChatEvent, toUsername } from './chat-format.js'
import { opensJsonChat } from './json-chat-frames.js'
import { startJsonChat, type JsonChat } from './json-chat.js'
import { jsonTypingTimings } from './json-chat-typing.js'
import { createLineSender, serverLine } from './lines.js'
import type { SessionRegistry } from './session-registry.js'

export interface ChatEndpointOptions {
  /** The room, e.g. `chat:lobby`. */
  channel: string
  /** Longest username, in characters; longer ones are cut. */
  maxNameLength: number
}

/**
 * `/` and `/chat`: a chat room for plain clients. The first non-blank message is the username;
 * a name that cannot be used (see {@link toUsername}) gets a `[Server]: ...` line saying why and
 * another asking for a name, and the next message is taken as the name instead. From then on each
 * non-blank message is published to the room as `{ text }` and the room's messages, arrivals and
 * departures come back as lines (see {@link renderChatEvent}). Protocol and SDK clients in the
 * same channel see plain users as ordinary members. Nothing is sent before the client speaks, and
 * no history is replayed. A client whose first message is a JSON object with a string `type`
 * speaks the JSON dialect for the rest of its connection instead (see {@link startJsonChat}).
 */
export const createChatEndpoint =
  (hub: HubApi, sessions: SessionRegistry, options: ChatEndpointOptions): TextEndpoint =>
  (connection) => {
    let bridge: ChannelBridge | undefined
    let json: JsonChat | undefined
    const send = createLineSender(connection)
    connection.on('message', (message) => {
      if (json !== undefined) {
        json.receive(message)
        return
      }
      if (message.trim() === '') return
      if (bridge === undefined && opensJsonChat(message)) {
        json = startJsonChat(hub, sessions, connection, { ...options, typing: jsonTypingTimings })
        json.receive(message)
        return
      }
      if (bridge !== undefined) {
        bridge.publish(message)
        return
      }
      const username = toUsername(message, options.maxNameLength)
      if (!username.ok) {
        send(serverLine(`That name cannot be used: ${username.problem}.`))
        send(serverLine('Send another name to join the chat.'))
        return
      }
      bridge = bridgeToChannel(hub, sessions, connection, {
        channel: options.channel,
        name: username.name,
        label: 'the chat',
        render: renderChatEvent,
      })
    })
  }
