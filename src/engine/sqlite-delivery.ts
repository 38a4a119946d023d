/**
 * How the SQLite engine answers its callers after a commit: in the order the work was queued,
 * delivering publications and messages to this node on the way, so that it sees a channel's
 * messages in the order they were sent.
 */
import type { LocalNode } from './sqlite-node.js'
import { toError } from './sqlite-values.js'
import type { BrokerMessage } from './types.js'

/** Something to do once the writes queued before it are committed. */
export interface AfterCommit {
  /**
   * `write`: reports on writes queued with it; it waits for their commit, and fails without
   * delivery if that fails. `read`: waits for the next commit, so that it sees the writes queued
   * before it, then runs either way. `message`: waits only behind items already waiting.
   */
  readonly kind: 'write' | 'read' | 'message'
  /** What to deliver to this node, if it subscribes to the channel. */
  readonly delivery?: { readonly channel: string; readonly msg: BrokerMessage }
  /** Reports the outcome: `error` is why the commit or the delivery failed. Must not throw. */
  settle(error: Error | undefined): void
}

type Ready = { item: AfterCommit; error: Error | undefined }

export class OrderedDelivery {
  readonly #node: LocalNode
  readonly #ready: Ready[] = []
  #isDraining = false

  constructor(node: LocalNode) {
    this.#node = node
  }

  /** Queues `item`, to fail with `error` if given, else to be delivered and settled. */
  push(item: AfterCommit, error: Error | undefined): void {
    this.#ready.push({ item, error })
  }

  /**
   * Settles the ready items in order. An item queued from inside a deliver callback waits
   * behind the current ones, so this node sees messages in the order they were sent.
   */
  drain(): void {
    if (this.#isDraining) return
    this.#isDraining = true
    try {
      for (let i = 0; i < this.#ready.length; i++) {
        const ready = this.#ready[i]
        if (ready === undefined) continue
        ready.item.settle(ready.error ?? this.#deliver(ready.item))
      }
    } finally {
      this.#ready.length = 0
      this.#isDraining = false
    }
  }

  /** Delivers `item` to this node when it subscribes; returns what the callback threw. */
  #deliver(item: AfterCommit): Error | undefined {
    const { delivery } = item
    const { deliver, channels, isClosed } = this.#node
    if (delivery === undefined || deliver === undefined || isClosed) return undefined
    if (!channels.has(delivery.channel)) return undefined
    try {
      deliver(delivery.channel, delivery.msg)
      return undefined
    } catch (err) {
      return toError(err)
    }
  }
}
