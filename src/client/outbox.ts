import { HubbubError } from './errors.js'
import type { RequestBody } from './link.js'

/** A publish waiting for a connection. */
export interface Queued {
  body: Extract<RequestBody, { type: 'publish' }>
  resolve(result: { seq: number }): void
  reject(error: HubbubError): void
}

/** Publishes made while offline, in order, bounded. */
export interface Outbox {
  /** Queues a new publish; rejects it with `outbox_full` when `maxSize` are already waiting. */
  add(queued: Queued): void
  /** Puts back a publish that was sent but whose reply was lost; it goes before newer ones and is never refused. */
  putBack(queued: Queued): void
  /** Removes and returns everything, oldest first. */
  takeAll(): Queued[]
}

export const createOutbox = (maxSize: number): Outbox => {
  /** Publishes that were already sent once: they keep their place ahead of new ones. */
  const resent: Queued[] = []
  const fresh: Queued[] = []
  return {
    add(queued) {
      if (fresh.length >= maxSize) {
        queued.reject(
          new HubbubError(
            'outbox_full',
            `${maxSize} publishes are already waiting for a connection`,
          ),
        )
        return
      }
      fresh.push(queued)
    },
    putBack(queued) {
      resent.push(queued)
    },
    takeAll() {
      return [...resent.splice(0), ...fresh.splice(0)]
    },
  }
}
