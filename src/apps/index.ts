import type { App } from '../server/index.js'
import { createBoardApp } from './board/index.js'
import { createBuzzerApp, createBuzzerRooms } from './buzzer/index.js'
import { createChatApp } from './chat/index.js'
import { createCounterApp } from './counter/index.js'
import { createMetricsApp } from './metrics/index.js'
import { createNotifyApp } from './notify/index.js'
import { createJsonApp } from './json/index.js'
import { createTextApp } from './text/index.js'

export { createChatApp } from './chat/index.js'
export { createTextApp, type TextAppOptions } from './text/index.js'
export { createJsonApp, jsonAppDefaults, type JsonAppOptions } from './json/index.js'
export {
  createCounterApp,
  counterDefaults,
  type CounterApp,
  type CounterAppOptions,
  type CounterValue,
} from './counter/index.js'
export {
  createBuzzerApp,
  createBuzzerRooms,
  buzzerRoomsDefaults,
  type BuzzerAppOptions,
  type BuzzerRooms,
  type BuzzerRoomsOptions,
  type BuzzerSnapshot,
  type BuzzReply,
} from './buzzer/index.js'
export {
  createNotifyApp,
  notifyDefaults,
  type NotifyApp,
  type NotifyAppOptions,
  type NotifyEvent,
  type Announcement,
  type NotificationItem,
} from './notify/index.js'
export { createMetricsApp, type MetricsAppOptions, type MetricsSample } from './metrics/index.js'
export {
  createBoardApp,
  type BoardApp,
  type BoardAppOptions,
  type BoardEvent,
  type BoardState,
  type Stroke,
} from './board/index.js'

/** Bounds of {@link bundledApps}. Every field is optional. */
export interface BundledAppsOptions {
  /** The buzzer's `maxRooms` (see `BuzzerRoomsOptions`). @default 1_000 */
  maxBuzzerRooms?: number
  /** The buzzer's `maxPlayersPerSource` (see `BuzzerRoomsOptions`). @default 4 */
  maxBuzzerPlayersPerSource?: number
  /** The counter app's `maxCounters`. @default 100_000 */
  maxCounters?: number
  /** The notify app's `maxInboxes`. @default 10_000 */
  maxInboxes?: number
  /** The JSON app's `drawMessagesPerSecond` (see `JsonAppOptions`). @default 300 */
  drawMessagesPerSecond?: number
  /** The JSON app's `drawMessageBurst` (see `JsonAppOptions`). @default 600 */
  drawMessageBurst?: number
}

/**
 * The apps `hubbub serve` runs, in set-up order. The text app's `/buzzer` and the buzzer app share
 * one registry of rounds, so plain clients and web players buzz in the same round of `buzzer:main`;
 * the JSON app's `/counter`, `/draw` and `/notifications` act through the counter, board and
 * notify apps given here.
 */
export const bundledApps = (options: BundledAppsOptions = {}): App[] => {
  const buzzerRooms = createBuzzerRooms({
    maxRooms: options.maxBuzzerRooms,
    maxPlayersPerSource: options.maxBuzzerPlayersPerSource,
  })
  const counter = createCounterApp({ maxCounters: options.maxCounters })
  const notify = createNotifyApp({ maxInboxes: options.maxInboxes })
  const board = createBoardApp()
  return [
    createChatApp(),
    createTextApp({ buzzerRooms }),
    counter,
    createBuzzerApp({ rooms: buzzerRooms }),
    notify,
    createMetricsApp(),
    board,
    createJsonApp({
      counter,
      board,
      notify,
      drawMessagesPerSecond: options.drawMessagesPerSecond,
      drawMessageBurst: options.drawMessageBurst,
    }),
  ]
}
