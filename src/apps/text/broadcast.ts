import type { ChannelEvent, HubApi, TextEndpoint } from '../../server/index.js'
import { toVisibleLine, type Member } from '../../protocol/index.js'
import { bridgeToChannel } from './channel-bridge.js'
import { textOf } from './lines.js'
import type { SessionRegistry } from './session-registry.js'

/**
 * The line for a broadcast channel event: `Broadcast: <text>` for others' `{ text }` publications,
 * the text through `toVisibleLine` (one message, one line).
 */
export const renderBroadcastEvent = (event: ChannelEvent, self: Member): string | undefined => {
  if (event.type !== 'pub' || event.pub.from?.client === self.client) return undefined
  const text = textOf(event.pub.data)
  return text === undefined ? undefined : `Broadcast: ${toVisibleLine(text)}`
}

/**
 * `/broadcast`: every message goes to every other `/broadcast` client as `Broadcast: <msg>`. It
 * travels as `{ text }` through `channel` (so it reaches clients on every node), where each
 * connection has a server-side session of its own.
 */
export const createBroadcastEndpoint =
  (hub: HubApi, sessions: SessionRegistry, channel: string): TextEndpoint =>
  (connection) => {
    const bridge = bridgeToChannel(hub, sessions, connection, {
      channel,
      name: 'anonymous',
      label: 'the broadcast',
      render: renderBroadcastEvent,
    })
    connection.on('message', (message) => {
      bridge.publish(message)
    })
  }
