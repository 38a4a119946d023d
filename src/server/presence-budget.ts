/** How long one presence budget window lasts. */
export const PRESENCE_WINDOW_MS = 1_000

/**
 * One channel's join/leave budget on this node. Within a window the first `max` events go out
 * one by one; past that the window's remaining events are held back (`isHolding`) and the hub
 * sends one member list when it ends. A window that overflowed keeps the next one holding, so a
 * sustained churn costs each subscriber one list per window rather than `max` events plus one.
 */
export interface PresenceBudget {
  startMs: number
  /** Events counted in the current window, sent or held back. */
  counted: number
  isHolding: boolean
  /** Some event was held back since the last member list was read. */
  isDirty: boolean
  timer: NodeJS.Timeout | undefined
}

export const createPresenceBudget = (): PresenceBudget => ({
  startMs: 0,
  counted: 0,
  isHolding: false,
  isDirty: false,
  timer: undefined,
})

/** Counts one join or leave; true when it may go out on its own. */
export const admitPresenceEvent = (budget: PresenceBudget, nowMs: number, max: number): boolean => {
  if (!budget.isHolding && nowMs - budget.startMs >= PRESENCE_WINDOW_MS) {
    budget.startMs = nowMs
    budget.counted = 0
  }
  budget.counted += 1
  if (!budget.isHolding && budget.counted <= max) return true
  budget.isHolding = true
  budget.isDirty = true
  return false
}
