/**
 * What `board:<name>` publications carry (docs/apps.md, board). Coordinates and widths are
 * fractions of the board: x of its width, y of its height, a line's width of its width.
 */
export interface Stroke {
  kind: 'stroke'
  /** Chosen by the drawing page, so it knows its own strokes when they come back. */
  id: string
  /** `#rgb`, `#rrggbb` or `#rrggbbaa`. */
  color: string
  width: number
  /** `[x, y]` pairs in 0..1; one pair is a dot. */
  points: [number, number][]
}

export type BoardEvent = Stroke | { kind: 'clear' }

/** A page sends a long line as several strokes of at most this many points (the server takes 1000). */
export const MAX_POINTS_PER_STROKE = 200

const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/

const isUnit = (value: unknown): value is number =>
  typeof value === 'number' && value >= 0 && value <= 1

const isPoint = (value: unknown): value is [number, number] =>
  Array.isArray(value) && value.length === 2 && isUnit(value[0]) && isUnit(value[1])

/** A publication's data as a board event; undefined for anything else (it is not drawn). */
export const decodeBoardEvent = (data: unknown): BoardEvent | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const raw = data as Record<string, unknown>
  if (raw.kind === 'clear') return { kind: 'clear' }
  const { id, color, width, points } = raw
  if (
    raw.kind !== 'stroke' ||
    typeof id !== 'string' ||
    typeof color !== 'string' ||
    !COLOR.test(color) ||
    typeof width !== 'number' ||
    !(width > 0 && width <= 0.1) ||
    !Array.isArray(points) ||
    points.length === 0 ||
    !points.every(isPoint)
  )
    return undefined
  return { kind: 'stroke', id, color, width, points }
}

/** A coordinate as sent: within the board, to 1/10,000 of it (finer than any screen's pixel). */
export const boardCoordinate = (fraction: number): number =>
  Math.round(Math.min(1, Math.max(0, fraction)) * 10_000) / 10_000

/**
 * Draws `stroke` on a canvas of `widthPx` × `heightPx` device pixels: a smooth line through
 * its points (round ends and joins), or a dot. Every page draws a stroke with exactly these
 * operations, so the same strokes in the same order give the same pixels.
 */
export const drawStroke = (
  context: CanvasRenderingContext2D,
  stroke: Stroke,
  widthPx: number,
  heightPx: number,
): void => {
  const lineWidth = Math.max(1, stroke.width * widthPx)
  const points = stroke.points.map(([x, y]): [number, number] => [x * widthPx, y * heightPx])
  const [first] = points
  if (first === undefined) return
  context.strokeStyle = stroke.color
  context.fillStyle = stroke.color
  context.beginPath()
  if (points.every(([x, y]) => x === first[0] && y === first[1])) {
    context.arc(first[0], first[1], lineWidth / 2, 0, 2 * Math.PI)
    context.fill()
    return
  }
  context.lineWidth = lineWidth
  context.lineCap = 'round'
  context.lineJoin = 'round'
  context.moveTo(first[0], first[1])
  // Through the midpoints between points, with the points as control points: no corners.
  for (let index = 1; index < points.length - 1; index += 1) {
    const [x, y] = points[index] ?? first
    const [nextX, nextY] = points[index + 1] ?? first
    context.quadraticCurveTo(x, y, (x + nextX) / 2, (y + nextY) / 2)
  }
  const last = points[points.length - 1] ?? first
  context.lineTo(last[0], last[1])
  context.stroke()
}
