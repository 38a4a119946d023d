import type { App } from '../server/index.js'
import { createBoardApp } from './board/index.js'
import { createBuzzerApp, createBuzzerRooms } from './buzzer/index.js'
import { createChatApp } from './chat/index.js'
import { createCounterApp } from './counter/index.js'
import { createMetricsApp } from './metrics/index.js'
import { createNotifyApp } from './notify/index.js'
import { createTextApp } from './text/index.js'

export { createChatApp } from './chat/index.js'
export { createTextApp, type TextAppOptions } from './text/index.js'
export {
  createCounterApp,
  counterDefaults,
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
  type NotificationItem,
} from './notify/index.js'
export { createMetricsApp, type MetricsAppOptions, type MetricsSample } from './metrics/index.js'
export {
  createBoardApp,
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
}

/**
 * The apps `hubbub serve` runs, in set-up order. The text app's `/buzzer` and the buzzer app share
 * one registry of rounds, so plain clients and web players buzz in the same round of `buzzer:main`.
 */
export const bundledApps = (options: BundledAppsOptions = {}): App[] => {
  const buzzerRooms = createBuzzerRooms({
    maxRooms: options.maxBuzzerRooms,
    maxPlayersPerSource: options.maxBuzzerPlayersPerSource,
  })
  return [
    createChatApp(),
    createTextApp({ buzzerRooms }),
    createCounterApp({ maxCounters: options.maxCounters }),
    createBuzzerApp({ rooms: buzzerRooms }),
    createNotifyApp({ maxInboxes: options.maxInboxes }),
    createMetricsApp(),
    createBoardApp(),
  ]
}
