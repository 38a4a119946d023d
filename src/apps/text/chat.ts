import type { HubApi, TextEndpoint } from '../../server/index.js'
import { bridgeToChannel, type ChannelBridge } from './channel-bridge.js'
import { renderChatEvent, toUsername } from './chat-format.js'
import type { SessionRegistry } from './session-registry.js'

export interface ChatEndpointOptions {
  /** The room, e.g. `chat:lobby`. */
  channel: string
  /** Longest username, in characters; longer ones are cut. */
  maxNameLength: number
}

/**
 * `/` and `/chat`: a chat room for plain clients. The first non-blank message is the username;
 * from then on each non-blank message is published to the room as `{ text }` and the room's
 * messages, arrivals and departures come back as lines (see {@link renderChatEvent}). Protocol and
 * SDK clients in the same channel see plain users as ordinary members. Nothing is sent before the
 * client names itself, and no history is replayed.
 */
export const createChatEndpoint =
  (hub: HubApi, sessions: SessionRegistry, options: ChatEndpointOptions): TextEndpoint =>
  (connection) => {
    let bridge: ChannelBridge | undefined
    connection.on('message', (message) => {
      if (message.trim() === '') return
      if (bridge !== undefined) {
        bridge.publish(message)
        return
      }
      bridge = bridgeToChannel(hub, sessions, connection, {
        channel: options.channel,
        name: toUsername(message, options.maxNameLength),
        label: 'the chat',
        render: renderChatEvent,
      })
    })
  }
