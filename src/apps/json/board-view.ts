import type { Stroke } from '../board/index.js'
import type { DrawnMessage } from './draw-messages.js'

/** The plain canvas the board is mapped onto: board fractions times these sizes are its pixels. */
export interface CanvasSize {
  widthPx: number
  heightPx: number
}

const clampUnit = (value: number): number => Math.min(1, Math.max(0, value))

/** A plain client's pixel point as a board point (fractions; what falls off the board is clamped). */
export const toBoardPoint = (x: number, y: number, size: CanvasSize): [number, number] => [
  Math.round(clampUnit(x / size.widthPx) * 10_000) / 10_000,
  Math.round(clampUnit(y / size.heightPx) * 10_000) / 10_000,
]

const toPixels = (fraction: number, sizePx: number): number =>
  Math.round(fraction * sizePx * 10) / 10

/** A board stroke as the messages a plain client draws it from: start, a move per point, end. */
export const strokeMessages = (stroke: Stroke, size: CanvasSize): DrawnMessage[] => {
  const messages: DrawnMessage[] = []
  let from: { x: number; y: number } | undefined
  for (const [fx, fy] of stroke.points) {
    const x = toPixels(fx, size.widthPx)
    const y = toPixels(fy, size.heightPx)
    messages.push(
      from === undefined
        ? { type: 'draw_start', x, y }
        : { type: 'draw_move', x, y, fromX: from.x, fromY: from.y },
    )
    from = { x, y }
  }
  if (stroke.points.length === 1) {
    // A dot: a move onto itself, so that a snippet drawing only moves shows it too.
    const [first] = messages
    if (first?.type === 'draw_start')
      messages.push({ type: 'draw_move', x: first.x, y: first.y, fromX: first.x, fromY: first.y })
  }
  messages.push({ type: 'draw_end' })
  return messages
}
