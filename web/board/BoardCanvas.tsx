import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { randomHex } from '../src/random.ts'
import { Cursors } from './Cursors.tsx'
import { createPainter, type Painter } from './painter.ts'
import type { Scene } from './scene.ts'
import { boardCoordinate, MAX_POINTS_PER_STROKE, type Stroke } from './stroke.ts'
import type { Tools } from './tools.ts'
import type { Cursor } from './use-cursors.ts'

interface Props {
  scene: Scene
  tools: Tools
  cursors: readonly Cursor[]
  /** A finished stroke (or a long line's next part) to show and send. */
  onStroke: (stroke: Stroke) => void
  /** Our pointer moved over the board, in fractions of it. */
  onCursor: (x: number, y: number) => void
  label: string
  children?: ComponentChildren
}

/** Closer points than this (in CSS pixels) add nothing to a line. */
const MIN_STEP_PX = 1

/** The line being drawn, by the pointer drawing it. */
interface Drawing {
  pointerId: number
  stroke: Stroke
}

const canObserveDevicePixels = (): boolean =>
  typeof ResizeObserverEntry !== 'undefined' &&
  'devicePixelContentBoxSize' in ResizeObserverEntry.prototype

/** The device pixels of an element's content box, exact where the browser says so. */
const devicePixels = (entry: ResizeObserverEntry): [number, number] => {
  const exact = canObserveDevicePixels() ? entry.devicePixelContentBoxSize[0] : undefined
  if (exact !== undefined) return [exact.inlineSize, exact.blockSize]
  const ratio = window.devicePixelRatio
  return [Math.round(entry.contentRect.width * ratio), Math.round(entry.contentRect.height * ratio)]
}

/** Where a pointer event is on the board, in fractions of it (as sent: rounded, within 0..1). */
const pointOf = (event: PointerEvent, rect: DOMRect): [number, number] => [
  boardCoordinate((event.clientX - rect.left) / rect.width),
  boardCoordinate((event.clientY - rect.top) / rect.height),
]

/**
 * The board: placed strokes on one canvas, ours on their way and the line being drawn on
 * another above it, the others' cursors on top. Drawn with a mouse, a pen or a finger (pointer
 * events; the page does not scroll or zoom under a finger), in device pixels, and drawn again
 * from the scene whenever its size or the screen's pixel ratio changes.
 */
export const BoardCanvas = ({
  scene,
  tools,
  cursors,
  onStroke,
  onCursor,
  label,
  children,
}: Props) => {
  const paper = useRef<HTMLDivElement>(null)
  const placedCanvas = useRef<HTMLCanvasElement>(null)
  const overlayCanvas = useRef<HTMLCanvasElement>(null)
  const painter = useRef<Painter>(undefined)
  const drawing = useRef<Drawing>(undefined)
  const frame = useRef<number>(undefined)
  const latestScene = useRef(scene)
  latestScene.current = scene

  const paint = (): void => {
    painter.current?.paint(latestScene.current, drawing.current?.stroke)
  }
  const paintSoon = (): void => {
    frame.current ??= requestAnimationFrame(() => {
      frame.current = undefined
      paint()
    })
  }

  useEffect(() => {
    const element = paper.current
    const placed = placedCanvas.current
    const overlay = overlayCanvas.current
    if (element === null || placed === null || overlay === null) return undefined
    const created = createPainter(placed, overlay)
    painter.current = created
    const observer = new ResizeObserver(([entry]) => {
      if (entry === undefined) return
      const [widthPx, heightPx] = devicePixels(entry)
      if (widthPx === 0 || heightPx === 0) return
      if (widthPx === placed.width && heightPx === placed.height) return
      created.resize(widthPx, heightPx)
      paint()
    })
    observer.observe(
      element,
      canObserveDevicePixels() ? { box: 'device-pixel-content-box' } : undefined,
    )
    return () => {
      observer.disconnect()
      if (frame.current !== undefined) cancelAnimationFrame(frame.current)
      painter.current = undefined
    }
  }, [])

  useEffect(paint, [scene])

  const addPoint = (current: Drawing, point: [number, number], rect: DOMRect): void => {
    const { points } = current.stroke
    const last = points[points.length - 1]
    if (last !== undefined) {
      const dx = (point[0] - last[0]) * rect.width
      const dy = (point[1] - last[1]) * rect.height
      if (dx * dx + dy * dy < MIN_STEP_PX * MIN_STEP_PX) return
    }
    points.push(point)
    if (points.length < MAX_POINTS_PER_STROKE) return
    // A long line goes out in parts; the next part starts where this one ends.
    onStroke(current.stroke)
    current.stroke = { ...current.stroke, id: randomHex(8), points: [point] }
  }

  /** The board's box on the page: the canvases' (the paper's border is not board). */
  const boardRect = (): DOMRect | undefined => placedCanvas.current?.getBoundingClientRect()

  const finish = (event: PointerEvent): void => {
    const current = drawing.current
    if (current?.pointerId !== event.pointerId) return
    drawing.current = undefined
    onStroke(current.stroke)
    paintSoon()
  }

  return (
    <div
      ref={paper}
      class="board-paper"
      onPointerDown={(event) => {
        if (drawing.current !== undefined || !event.isPrimary) return
        if (event.pointerType === 'mouse' && event.button !== 0) return
        const rect = boardRect()
        if (rect === undefined) return
        event.preventDefault()
        event.currentTarget.setPointerCapture(event.pointerId)
        drawing.current = {
          pointerId: event.pointerId,
          stroke: {
            kind: 'stroke',
            id: randomHex(8),
            color: tools.color,
            width: tools.width,
            points: [pointOf(event, rect)],
          },
        }
        paintSoon()
      }}
      onPointerMove={(event) => {
        const rect = boardRect()
        if (rect === undefined) return
        const [x, y] = pointOf(event, rect)
        onCursor(x, y)
        const current = drawing.current
        if (current?.pointerId !== event.pointerId) return
        // Every position the pointer passed since the last event, for smooth fast lines (where
        // the browser tells them: older ones do not, and insecure pages get none).
        const events = 'getCoalescedEvents' in event ? event.getCoalescedEvents() : []
        for (const each of events.length > 0 ? events : [event])
          addPoint(current, pointOf(each, rect), rect)
        paintSoon()
      }}
      onPointerUp={finish}
      onPointerCancel={finish}
    >
      <div class="board-paper__ink">
        <canvas
          ref={placedCanvas}
          class="board-canvas"
          data-testid="board-canvas"
          role="img"
          aria-label={label}
        />
        <canvas ref={overlayCanvas} class="board-canvas" aria-hidden="true" />
      </div>
      <Cursors cursors={cursors} />
      {children}
    </div>
  )
}
