import type { ClientFrame } from '../protocol/index.js'
import { HubbubError } from './errors.js'
import type { RequestBody } from './link.js'

interface Pending {
  resolve(result: unknown): void
  reject(error: HubbubError): void
  timer: ReturnType<typeof setTimeout>
  /** Instead of rejecting when the link drops, hand the request back (see {@link Requests.loseAll}). */
  onLost: (() => void) | undefined
}

/** Requests in flight on one client: ids, reply matching and timeouts. */
export interface Requests {
  /** Sends `body` with a fresh id; settles with the reply, or `timeout` after `timeoutMs`. */
  call(body: RequestBody, timeoutMs: number, onLost?: () => void): Promise<unknown>
  /** Settles the request a reply answers; unknown ids (late replies) are ignored. */
  settle(id: number, outcome: { result: unknown } | { error: HubbubError }): void
  /**
   * The link dropped: requests with an `onLost` get it called, in the order they were sent and
   * before this returns (their promises then never settle); the others reject with `error`.
   */
  loseAll(error: HubbubError): void
}

export const createRequests = (send: (frame: ClientFrame) => void): Requests => {
  const pending = new Map<number, Pending>()
  let nextId = 1
  return {
    call(body, timeoutMs, onLost) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new HubbubError('timeout', `no reply to ${body.type} within ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, { resolve, reject, timer, onLost })
        send({ ...body, id })
      })
    },
    settle(id, outcome) {
      const entry = pending.get(id)
      if (entry === undefined) return
      pending.delete(id)
      clearTimeout(entry.timer)
      if ('error' in outcome) entry.reject(outcome.error)
      else entry.resolve(outcome.result)
    },
    loseAll(error) {
      const entries = [...pending.values()]
      pending.clear()
      for (const entry of entries) {
        clearTimeout(entry.timer)
        if (entry.onLost === undefined) entry.reject(error)
        else entry.onLost()
      }
    },
  }
}
