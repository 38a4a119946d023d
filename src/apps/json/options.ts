import type { BoardApp } from '../board/index.js'
import type { CounterApp } from '../counter/index.js'
import type { NotifyApp } from '../notify/index.js'

/** Options of {@link createJsonApp}: the apps it bridges (required) and optional settings. */
export interface JsonAppOptions {
  /** The counter app `/counter` changes counters through (the same one the server runs). */
  counter: CounterApp
  /** The whiteboard app `/draw` draws on. */
  board: BoardApp
  /** The notify app whose demo and everyone channel `/notifications` follows. */
  notify: NotifyApp
  /** The counter of `/counter`: channel `counter:<name>`. @default 'main' */
  counterName?: string
  /** The board of `/draw`: channel `board:<name>`. @default 'main' */
  boardName?: string
  /** The channel live drawing travels through between `/draw` clients. @default 'text:draw' */
  drawChannel?: string
  /** The width of the plain canvas the board is mapped onto, in pixels. @default 800 */
  drawWidthPx?: number
  /** The height of the plain canvas the board is mapped onto, in pixels. @default 600 */
  drawHeightPx?: number
  /** Largest |x| and |y| a `/draw` client may send, in pixels; more gets an error. @default 10_000 */
  maxDrawCoordinate?: number
  /** Points per board stroke (the board app's `maxPointsPerStroke`, or less). @default 1_000 */
  maxPointsPerStroke?: number
  /**
   * Messages per second one `/draw` client may send: one per mouse move, so more than the other
   * plain endpoints' `requestsPerSecond` (a 144 Hz mouse sends 144). @default 300
   */
  drawMessagesPerSecond?: number
  /** How many `/draw` messages may arrive at once (the token bucket's size). @default 600 */
  drawMessageBurst?: number
  /** Colour of plain strokes on the board. @default '#1f2937' */
  drawColor?: string
  /** Width of plain strokes on the board, as a fraction of its width. @default 0.004 */
  drawWidth?: number
  /** The metrics app's channel, which `/dashboard` follows. @default 'sys:metrics' */
  metricsChannel?: string
  /** The notify app's `everyoneChannel`, which `/notifications` follows. @default 'sys:notifications' */
  everyoneChannel?: string
  /** Shortest delay between two demo notifications of `/notifications`. @default 5_000 */
  demoMinDelayMs?: number
  /** Longest delay between two demo notifications of `/notifications`. @default 15_000 */
  demoMaxDelayMs?: number
}

type Apps = 'counter' | 'board' | 'notify'

export type ResolvedJsonAppOptions = Required<JsonAppOptions>

export const jsonAppDefaults: Required<Omit<JsonAppOptions, Apps>> = {
  counterName: 'main',
  boardName: 'main',
  drawChannel: 'text:draw',
  drawWidthPx: 800,
  drawHeightPx: 600,
  maxDrawCoordinate: 10_000,
  maxPointsPerStroke: 1_000,
  drawMessagesPerSecond: 300,
  drawMessageBurst: 600,
  drawColor: '#1f2937',
  drawWidth: 0.004,
  metricsChannel: 'sys:metrics',
  everyoneChannel: 'sys:notifications',
  demoMinDelayMs: 5_000,
  demoMaxDelayMs: 15_000,
}

export const resolveJsonAppOptions = (options: JsonAppOptions): ResolvedJsonAppOptions => {
  const d = jsonAppDefaults
  return {
    counter: options.counter,
    board: options.board,
    notify: options.notify,
    counterName: options.counterName ?? d.counterName,
    boardName: options.boardName ?? d.boardName,
    drawChannel: options.drawChannel ?? d.drawChannel,
    drawWidthPx: options.drawWidthPx ?? d.drawWidthPx,
    drawHeightPx: options.drawHeightPx ?? d.drawHeightPx,
    maxDrawCoordinate: options.maxDrawCoordinate ?? d.maxDrawCoordinate,
    maxPointsPerStroke: options.maxPointsPerStroke ?? d.maxPointsPerStroke,
    drawMessagesPerSecond: options.drawMessagesPerSecond ?? d.drawMessagesPerSecond,
    drawMessageBurst: options.drawMessageBurst ?? d.drawMessageBurst,
    drawColor: options.drawColor ?? d.drawColor,
    drawWidth: options.drawWidth ?? d.drawWidth,
    metricsChannel: options.metricsChannel ?? d.metricsChannel,
    everyoneChannel: options.everyoneChannel ?? d.everyoneChannel,
    demoMinDelayMs: options.demoMinDelayMs ?? d.demoMinDelayMs,
    demoMaxDelayMs: options.demoMaxDelayMs ?? d.demoMaxDelayMs,
  }
}
