/** One closed protocol connection, as the admin view lists it. */
export interface DisconnectRecord {
  /** When it closed, ms since the Unix epoch. */
  time: number
  client: string
  /** Empty when it closed before `connect` succeeded. */
  user: string
  name: string
  code: number
  reason: string
  /** Who closed first: this server (a limit, the HTTP API, shutdown) or the peer. */
  by: 'server' | 'client'
}

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
