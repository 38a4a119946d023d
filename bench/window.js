/**
 * The messages in flight, for every target alike: message `i` is in flight from its send until
 * every one of the S subscribers has received it (counted per index in a ring), or until it
 * expires. No acknowledgement from the target is needed, so a closed loop (at most W in flight)
 * means the same for hubbub, raw `ws`, Socket.IO and NATS, and it bounds every queue on the way.
 */
import { performance } from 'node:perf_hooks'

const RING = 1 << 16 // indexes in flight at most; the oldest expires first past it

/**
 * Creates the ring for `subscribers` receivers, sending from index `first` on (each phase starts
 * past the last one's indexes, so that a late delivery of an earlier phase counts as late, not as
 * one of this phase). `onComplete()` runs each time a message leaves the flight (received by all,
 * or expired).
 */
export const createWindow = (subscribers, first = 0, onComplete = () => undefined) => {
  const counts = new Int32Array(RING)
  const sentAt = new Float64Array(RING)
  const isOpen = new Uint8Array(RING)
  const state = {
    /** The next index to send. */
    next: first,
    /** Every index below it has left the flight. */
    oldest: first,
    inflight: 0,
    /** Deliveries counted in total, dups included. */
    delivered: 0,
    /** Deliveries of a message that already left the flight: duplicates, or late past expiry. */
    dups: 0,
    /** Deliveries of an index not sent in this phase: late from an earlier phase, or corrupt. */
    strays: 0,
    /** Deliveries that never came: expired messages' shortfall. */
    missing: 0,
    /** Messages that expired before every subscriber had them. */
    expired: 0,
    onComplete,
  }
  let drained
  const close = (slot, isComplete) => {
    isOpen[slot] = 0
    state.inflight -= 1
    if (!isComplete) {
      state.expired += 1
      state.missing += subscribers - counts[slot]
    }
    while (state.oldest < state.next && isOpen[state.oldest & (RING - 1)] === 0) state.oldest += 1
    state.onComplete()
    if (state.inflight === 0) drained?.()
  }
  return Object.assign(state, {
    /** Takes the next index and marks it in flight from now. */
    send() {
      if (state.next - state.oldest >= RING) close(state.oldest & (RING - 1), false)
      const i = state.next++
      const slot = i & (RING - 1)
      counts[slot] = 0
      sentAt[slot] = performance.now()
      isOpen[slot] = 1
      state.inflight += 1
      return i
    },
    /** Counts one delivery of message `i`. */
    deliver(i) {
      state.delivered += 1
      if (i >= state.next || i < first) return void (state.strays += 1)
      const slot = i & (RING - 1)
      if (i < state.oldest || isOpen[slot] === 0) return void (state.dups += 1)
      if (++counts[slot] === subscribers) close(slot, true)
    },
    /** Expires the messages in flight for longer than `maxAgeMs`. */
    expire(maxAgeMs) {
      const before = performance.now() - maxAgeMs
      for (let i = state.oldest; i < state.next; i++) {
        const slot = i & (RING - 1)
        if (isOpen[slot] === 1 && sentAt[slot] < before) close(slot, false)
      }
    },
    /**
     * Resolves once nothing is in flight, expiring what is still missing after `timeoutMs`.
     * Returns the deliveries that never came.
     */
    async drain(timeoutMs) {
      const missingBefore = state.missing
      if (state.inflight > 0) {
        let timer
        await new Promise((resolve) => {
          drained = resolve
          timer = setTimeout(resolve, timeoutMs)
        })
        clearTimeout(timer)
        drained = undefined
        state.expire(0)
      }
      return state.missing - missingBefore
    },
  })
}
