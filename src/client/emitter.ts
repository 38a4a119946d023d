/** A typed event emitter; `on()` returns the function that removes the listener. */
export interface Emitter<Events> {
  on<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): () => void
  emit<E extends keyof Events>(event: E, value: Events[E]): void
}

/**
 * A listener that throws does not stop the others; its error is re-thrown on a fresh task, so it
 * surfaces (an uncaught error in Node, the console in a browser) instead of vanishing.
 */
export const createEmitter = <Events>(): Emitter<Events> => {
  const listeners = new Map<keyof Events, Set<(value: never) => void>>()
  return {
    on(event, listener) {
      let set = listeners.get(event)
      if (set === undefined) {
        set = new Set()
        listeners.set(event, set)
      }
      set.add(listener)
      return () => {
        set.delete(listener)
      }
    },
    emit(event, value) {
      const set = listeners.get(event)
      if (set === undefined) return
      for (const listener of [...set])
        try {
          ;(listener as (value: Events[typeof event]) => void)(value)
        } catch (err) {
          setTimeout(() => {
            throw err
          }, 0)
        }
    },
  }
}
