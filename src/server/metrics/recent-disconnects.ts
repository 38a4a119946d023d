import type { DisconnectRecord } from '../../protocol/index.js'

export type { DisconnectRecord }

/**
 * The newest `capacity` disconnects of this node, in a ring: recording one is O(1) and allocates
 * only the record. Closes are rare next to deliveries, so this is off the hot path.
 */
export class RecentDisconnects {
  readonly #capacity: number
  readonly #ring: DisconnectRecord[] = []
  #next = 0

  /** @param capacity How many are kept; 0 keeps none. */
  constructor(capacity: number) {
    this.#capacity = capacity
  }

  record(entry: DisconnectRecord): void {
    if (this.#capacity === 0) return
    if (this.#ring.length < this.#capacity) this.#ring.push(entry)
    else this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.#capacity
  }

  /** The kept records, newest first, at most `limit`. */
  list(limit: number): DisconnectRecord[] {
    const newestFirst: DisconnectRecord[] = []
    const size = this.#ring.length
    for (let i = 1; i <= Math.min(limit, size); i++)
      newestFirst.push(this.#ring[(this.#next - i + size) % size] as DisconnectRecord)
    return newestFirst
  }
}
