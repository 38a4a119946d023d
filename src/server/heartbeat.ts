/** A ping/pong watchdog for one connection. */
export interface Heartbeat {
  /** The peer answered the last ping; the next one goes out `intervalMs` from now. */
  pong(): void
  stop(): void
}

/**
 * Calls `ping()` `intervalMs` after start (and after each answered ping); when `pong()` does not
 * follow within `timeoutMs`, calls `onTimeout()` once and stops.
 */
export const startHeartbeat = (config: {
  intervalMs: number
  timeoutMs: number
  ping: () => void
  onTimeout: () => void
}): Heartbeat => {
  let isAwaitingPong = false
  let timer: NodeJS.Timeout
  const arm = (delayMs: number): void => {
    timer = setTimeout(tick, delayMs)
  }
  const tick = (): void => {
    if (isAwaitingPong) {
      config.onTimeout()
      return
    }
    isAwaitingPong = true
    config.ping()
    arm(config.timeoutMs)
  }
  arm(config.intervalMs)
  return {
    pong() {
      if (!isAwaitingPong) return
      isAwaitingPong = false
      clearTimeout(timer)
      arm(config.intervalMs)
    },
    stop() {
      clearTimeout(timer)
    },
  }
}
