import type { Placed, Scene } from './scene.ts'
import { drawStroke, type Stroke } from './stroke.ts'

/** Draws a board on two stacked canvases of the same size. */
export interface Painter {
  /** Sets both canvases to `widthPx` × `heightPx` device pixels; the next paint draws all again. */
  resize(widthPx: number, heightPx: number): void
  /**
   * Brings the canvases up to date: placed strokes on the lower canvas (only the new ones when
   * strokes were only added at the end, as live ones are), then on the upper one our pending
   * strokes and the line being drawn.
   */
  paint(scene: Scene, drawing: Stroke | undefined): void
}

const context2d = (canvas: HTMLCanvasElement): CanvasRenderingContext2D => {
  const context = canvas.getContext('2d')
  if (context === null) throw new Error('this browser cannot draw on a canvas')
  return context
}

/** Whether `next` is `previous` with strokes added at the end. */
const isExtension = (previous: readonly Placed[], next: readonly Placed[]): boolean =>
  next.length >= previous.length && previous.every((item, index) => next[index] === item)

export const createPainter = (placed: HTMLCanvasElement, overlay: HTMLCanvasElement): Painter => {
  const below = context2d(placed)
  const above = context2d(overlay)
  let drawn: readonly Placed[] = []
  let drawnPending: readonly Stroke[] | undefined
  let drawnPoints = 0
  let drawnDrawing: Stroke | undefined
  return {
    resize(widthPx, heightPx) {
      for (const canvas of [placed, overlay]) {
        canvas.width = widthPx
        canvas.height = heightPx
      }
      drawn = []
      drawnPending = undefined
    },
    paint(scene, drawing) {
      const { width, height } = placed
      if (!isExtension(drawn, scene.placed)) {
        below.clearRect(0, 0, width, height)
        drawn = []
      }
      for (const item of scene.placed.slice(drawn.length))
        drawStroke(below, item.stroke, width, height)
      drawn = scene.placed
      const points = drawing?.points.length ?? 0
      if (scene.pending === drawnPending && drawing === drawnDrawing && points === drawnPoints)
        return
      above.clearRect(0, 0, width, height)
      for (const stroke of scene.pending) drawStroke(above, stroke, width, height)
      if (drawing !== undefined) drawStroke(above, drawing, width, height)
      drawnPending = scene.pending
      drawnDrawing = drawing
      drawnPoints = points
    },
  }
}
