import { JsonInputError, unknownType, type JsonMessage } from './json-peer.js'

/** What a `/draw` client may send; coordinates are its canvas's pixels. */
export type DrawMessage =
  | { type: 'draw_start'; x: number; y: number }
  | { type: 'draw_move'; x: number; y: number }
  | { type: 'draw_end' }
  | { type: 'clear' }

/** What `/draw` clients receive: a `draw_move` carries the previous point of its line. */
export type DrawnMessage =
  | { type: 'draw_start'; x: number; y: number }
  | { type: 'draw_move'; x: number; y: number; fromX: number; fromY: number }
  | { type: 'draw_end' }
  | { type: 'clear' }

const TYPES = ['draw_start', 'draw_move', 'draw_end', 'clear'] as const

const isCoordinate = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= max

const readPoint = (message: JsonMessage, max: number): { x: number; y: number } => {
  const { x, y } = message
  if (!isCoordinate(x, max) || !isCoordinate(y, max))
    throw new JsonInputError(`${message.type} needs numbers x and y from -${max} to ${max}`)
  return { x, y }
}

/** Validates a `/draw` client's message; throws {@link JsonInputError} naming the problem. */
export const decodeDrawMessage = (message: JsonMessage, maxCoordinate: number): DrawMessage => {
  switch (message.type) {
    case 'draw_start':
    case 'draw_move':
      return { type: message.type, ...readPoint(message, maxCoordinate) }
    case 'draw_end':
    case 'clear':
      return { type: message.type }
    default:
      throw unknownType(message.type, TYPES)
  }
}

/**
 * A relayed message (a signal of the draw channel, written by this server's `/draw` on some node)
 * checked again, as any data from the broker is; undefined when it is not one.
 */
export const decodeDrawnMessage = (
  data: unknown,
  maxCoordinate: number,
): DrawnMessage | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const raw = data as Record<string, unknown>
  const { type, x, y, fromX, fromY } = raw
  switch (type) {
    case 'draw_start':
      return isCoordinate(x, maxCoordinate) && isCoordinate(y, maxCoordinate)
        ? { type, x, y }
        : undefined
    case 'draw_move':
      return [x, y, fromX, fromY].every((v) => isCoordinate(v, maxCoordinate))
        ? { type, x: x as number, y: y as number, fromX: fromX as number, fromY: fromY as number }
        : undefined
    case 'draw_end':
    case 'clear':
      return { type }
    default:
      return undefined
  }
}
