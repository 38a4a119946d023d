import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { NotificationItem } from './notify-event.ts'

/** How long a toast stays. */
export const TOAST_MS = 5_000
/** Toasts shown at once; a newer one pushes the oldest out. */
const MAX_TOASTS = 3

export interface Toasts {
  /** Newest last. */
  items: readonly NotificationItem[]
  show: (item: NotificationItem) => void
  close: (id: string) => void
}

/** Short-lived toasts for arriving notifications, each gone {@link TOAST_MS} after it came. */
export const useToasts = (): Toasts => {
  const [items, setItems] = useState<readonly NotificationItem[]>([])
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>())

  const close = useCallback((id: string) => {
    clearTimeout(timers.current.get(id))
    timers.current.delete(id)
    setItems((current) => current.filter((item) => item.id !== id))
  }, [])

  const show = useCallback(
    (item: NotificationItem) => {
      clearTimeout(timers.current.get(item.id))
      timers.current.set(
        item.id,
        setTimeout(() => {
          close(item.id)
        }, TOAST_MS),
      )
      setItems((current) =>
        [...current.filter((other) => other.id !== item.id), item].slice(-MAX_TOASTS),
      )
    },
    [close],
  )

  useEffect(() => {
    const pending = timers.current
    return () => {
      for (const timer of pending.values()) clearTimeout(timer)
    }
  }, [])

  return { items, show, close }
}
