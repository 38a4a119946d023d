import { useEffect, useMemo } from 'preact/hooks'
import type { Subscription } from '../../src/client/index.ts'
import { TYPING_IDLE_MS, TYPING_SIGNAL_INTERVAL_MS, type TypingSignal } from './typing.ts'

export interface TypingSignals {
  /** Call on every edit of the message box, with its new text. */
  edited: (text: string) => void
  /** Call when the message is sent: the others stop seeing "typing" at once. */
  sent: () => void
}

/**
 * Tells the room this person is typing: `{ typing: true }` at most once per
 * {@link TYPING_SIGNAL_INTERVAL_MS} while they type, `{ typing: false }` {@link TYPING_IDLE_MS}
 * after their last keystroke, when they send, or when the box is emptied.
 */
export const useTypingSignal = (sub: Subscription): TypingSignals => {
  const signals = useMemo(() => {
    let lastSentAt = 0
    let isTyping = false
    let idleTimer: ReturnType<typeof setTimeout> | undefined
    const send = (data: TypingSignal): void => {
      // Offline, or the room was left: the signal would mean nothing now.
      if (sub.state === 'subscribed') sub.signal(data)
    }
    const stop = (): void => {
      clearTimeout(idleTimer)
      if (!isTyping) return
      isTyping = false
      lastSentAt = 0
      send({ typing: false })
    }
    return {
      edited(text: string) {
        if (text.trim() === '') {
          stop()
          return
        }
        const now = Date.now()
        if (!isTyping || now - lastSentAt >= TYPING_SIGNAL_INTERVAL_MS) {
          isTyping = true
          lastSentAt = now
          send({ typing: true })
        }
        clearTimeout(idleTimer)
        idleTimer = setTimeout(stop, TYPING_IDLE_MS)
      },
      sent: stop,
      dispose() {
        clearTimeout(idleTimer)
      },
    }
  }, [sub])
  useEffect(
    () => () => {
      signals.dispose()
    },
    [signals],
  )
  return signals
}
