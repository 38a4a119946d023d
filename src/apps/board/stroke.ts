import { badRequest } from '../shared/params.js'

/** A stroke as `board:<name>` publications carry it. Coordinates and width are fractions of the board's width and height. */
export interface Stroke {
  kind: 'stroke'
  /** Chosen by the drawing client (1-64 characters), so it can recognise its own strokes. */
  id: string
  /** CSS hex colour: `#rgb`, `#rrggbb` or `#rrggbbaa`. */
  color: string
  /** Line width as a fraction of the board's width, in (0, 0.1]. */
  width: number
  /** `[x, y]` pairs, each coordinate in [0, 1]; at least one pair. */
  points: [number, number][]
}

export interface StrokeLimits {
  maxPoints: number
}

const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/
const MAX_WIDTH = 0.1

const isUnit = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1

/**
 * Validates an untrusted stroke (with or without `kind: 'stroke'`) and returns a fresh one holding
 * only the stroke's fields; throws `ReplyError` `bad_request` naming the first problem.
 */
export const decodeStroke = (value: unknown, limits: StrokeLimits): Stroke => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('stroke must be an object')
  const raw = value as Record<string, unknown>
  if (raw.kind !== undefined && raw.kind !== 'stroke')
    throw badRequest('stroke.kind must be "stroke"')
  const { id, color, width, points } = raw
  if (typeof id !== 'string' || id.length < 1 || id.length > 64)
    throw badRequest('stroke.id must be a string of 1 to 64 characters')
  if (typeof color !== 'string' || !COLOR.test(color))
    throw badRequest('stroke.color must be #rgb, #rrggbb or #rrggbbaa')
  if (typeof width !== 'number' || !Number.isFinite(width) || width <= 0 || width > MAX_WIDTH)
    throw badRequest(`stroke.width must be a number in (0, ${MAX_WIDTH}]`)
  if (!Array.isArray(points) || points.length < 1 || points.length > limits.maxPoints)
    throw badRequest(`stroke.points must be an array of 1 to ${limits.maxPoints} [x, y] pairs`)
  const decoded: [number, number][] = []
  for (const point of points as unknown[]) {
    const pair: unknown = point
    const [x, y]: unknown[] = Array.isArray(pair) && pair.length === 2 ? (pair as unknown[]) : []
    if (!isUnit(x) || !isUnit(y))
      throw badRequest('stroke.points must hold [x, y] pairs with x and y from 0 to 1')
    decoded.push([x, y])
  }
  return { kind: 'stroke', id, color, width, points: decoded }
}
