import { useCallback, useEffect, useRef } from 'preact/hooks'
import type { Subscription } from '../../src/client/index.ts'

/** At most one cursor signal per this many ms; the newest position always goes out. */
export const CURSOR_INTERVAL_MS = 50

/** A function that tells the others where our pointer is on the board, throttled. */
export const useCursorSignal = (
  sub: Subscription | undefined,
): ((x: number, y: number) => void) => {
  const next = useRef<{ x: number; y: number }>(undefined)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const sentAt = useRef(0)
  useEffect(
    () => () => {
      clearTimeout(timer.current)
      timer.current = undefined
    },
    [sub],
  )
  return useCallback(
    (x: number, y: number) => {
      next.current = { x, y }
      if (sub === undefined || timer.current !== undefined) return
      const flush = (): void => {
        timer.current = undefined
        const point = next.current
        if (point === undefined || sub.state !== 'subscribed') return
        next.current = undefined
        sentAt.current = performance.now()
        sub.signal(point)
      }
      const waitMs = sentAt.current + CURSOR_INTERVAL_MS - performance.now()
      if (waitMs <= 0) flush()
      else timer.current = setTimeout(flush, waitMs)
    },
    [sub],
  )
}
