import type { App } from '../../server/index.js'
import { createBackground, type Background } from '../shared/background.js'
import { createSessionRegistry, type SessionRegistry } from '../text/session-registry.js'
import { createCounterEndpoint } from './counter.js'
import { createDashboardEndpoint } from './dashboard.js'
import { createDrawEndpoint } from './draw.js'
import { createNotificationsEndpoint } from './notifications.js'
import { resolveJsonAppOptions, type JsonAppOptions } from './options.js'

export type { JsonAppOptions } from './options.js'
export { jsonAppDefaults } from './options.js'

/**
 * The JSON plain endpoints (docs/protocol.md, plain endpoints): WebSocket clients without a
 * subprotocol that send and receive one JSON object per text message, as the browser exercises
 * write them. `/counter`, `/notifications`, `/dashboard` and `/draw`, each bridged to its web
 * app's state (counter `counter:main`, the notify app's everyone channel and demo, this node's
 * `sys:metrics` samples, board `board:main`), so plain and web clients share one counter and
 * one board, on every node. Bad input gets `{"type":"error","message":…}`; the plain endpoints'
 * size limit applies, and their rate limit except on `/draw`, which has its own
 * (`drawMessagesPerSecond`).
 */
export const createJsonApp = (options: JsonAppOptions): App => {
  const o = resolveJsonAppOptions(options)
  let sessions: SessionRegistry | undefined
  let background: Background | undefined
  let stopDemo: (() => void) | undefined
  return {
    name: 'json',
    setup(hub) {
      const registry = createSessionRegistry(hub)
      sessions = registry
      const work = createBackground(hub.log)
      background = work
      hub.channel(o.drawChannel, {
        presence: false,
        historySize: 0,
        joinLeave: false,
        // Only this app's sessions draw here: they have checked every message.
        access: { publish: 'server' },
      })
      hub.text(
        '/counter',
        createCounterEndpoint({ hub, sessions: registry, counter: o.counter, name: o.counterName }),
      )
      const notifications = createNotificationsEndpoint({
        hub,
        sessions: registry,
        background: work,
        channel: o.everyoneChannel,
        demo: { minDelayMs: o.demoMinDelayMs, maxDelayMs: o.demoMaxDelayMs },
      })
      stopDemo = () => {
        notifications.stop()
      }
      hub.text('/notifications', notifications.endpoint)
      hub.text(
        '/dashboard',
        createDashboardEndpoint({ hub, sessions: registry, channel: o.metricsChannel }),
      )
      hub.text(
        '/draw',
        createDrawEndpoint({
          hub,
          sessions: registry,
          board: o.board,
          boardName: o.boardName,
          relayChannel: o.drawChannel,
          canvas: { widthPx: o.drawWidthPx, heightPx: o.drawHeightPx },
          maxCoordinate: o.maxDrawCoordinate,
          maxPointsPerStroke: o.maxPointsPerStroke,
          strokeColor: o.drawColor,
          strokeWidth: o.drawWidth,
        }),
        { messagesPerSecond: o.drawMessagesPerSecond, messageBurst: o.drawMessageBurst },
      )
    },
    async close() {
      stopDemo?.()
      await sessions?.closeAll()
      await background?.idle()
    },
  }
}
