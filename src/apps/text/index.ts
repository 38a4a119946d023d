import type { App } from '../../server/index.js'
import { createBuzzerRooms, type BuzzerRooms } from '../buzzer/rooms.js'
import { createBroadcastEndpoint } from './broadcast.js'
import { createBuzzerEndpoint } from './buzzer.js'
import { createChatEndpoint } from './chat.js'
import { echoEndpoint } from './echo.js'
import { helloEndpoint } from './hello.js'
import { resolveTextAppOptions, type TextAppOptions } from './options.js'
import { createSessionRegistry, type SessionRegistry } from './session-registry.js'
import { upperEndpoint } from './upper.js'

export type { TextAppOptions } from './options.js'

/**
 * The plain text endpoints of DESIGN.md §4, for WebSocket clients that speak no subprotocol:
 * `/` and `/chat` (the chat room, bridged to `chat:lobby`), `/echo`, `/upper`, `/hello`,
 * `/broadcast` (through the channel `text:broadcast`) and `/buzzer` (room `main` of the buzzer
 * rounds, shared with the buzzer app's `buzzer:main` when both are given one registry). None
 * sends anything before the client speaks. The chat room's channel options come from the chat app.
 */
export const createTextApp = (options: TextAppOptions = {}): App => {
  const resolved = resolveTextAppOptions(options)
  let sessions: SessionRegistry | undefined
  const buzzerRooms: BuzzerRooms =
    resolved.buzzerRooms ??
    createBuzzerRooms({ autoCloseMs: resolved.buzzerRoundMs, nowMs: resolved.nowMs })
  return {
    name: 'text',
    setup(hub) {
      sessions = createSessionRegistry(hub)
      // Nobody lists or replays broadcasts: they are live only.
      hub.channel(resolved.broadcastChannel, { presence: false, historySize: 0, joinLeave: false })
      const chat = createChatEndpoint(hub, sessions, {
        channel: resolved.chatChannel,
        maxNameLength: resolved.maxNameLength,
      })
      hub.text('/', chat)
      hub.text('/chat', chat)
      hub.text('/echo', echoEndpoint)
      hub.text('/upper', upperEndpoint)
      hub.text('/hello', helloEndpoint)
      hub.text('/broadcast', createBroadcastEndpoint(hub, sessions, resolved.broadcastChannel))
      buzzerRooms.attach(hub)
      hub.text(
        '/buzzer',
        createBuzzerEndpoint({ rooms: buzzerRooms, room: resolved.buzzerRoom, log: hub.log }),
      )
    },
    async close() {
      await sessions?.closeAll()
      await buzzerRooms.dispose()
    },
  }
}
