import type { Pub } from '../protocol/index.js'

/** A publication as catch-up sends it: its position, its sender, and its `pub` frame, encoded once. */
export interface FramedPub {
  readonly epoch: string
  readonly seq: number
  /** The publishing client, to skip a recipient's own publications on channels without echo. */
  readonly fromClient: string | undefined
  readonly frame: Buffer
}

/** Shared by every channel's {@link RecentFrames}: the bytes they may hold together. */
export class CatchUpBudget {
  readonly #maxBytes: number
  #bytes = 0
  #rings = 0

  /** @param maxBytes Bytes of frames all rings together may hold; 0 keeps none. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Each ring's share: the budget split evenly between the channels that keep one. */
  get shareBytes(): number {
    return this.#rings === 0 ? this.#maxBytes : this.#maxBytes / this.#rings
  }

  /** A ring was created. */
  open(): void {
    this.#rings++
  }

  /** A ring holding `bytes` was dropped. */
  close(bytes: number): void {
    this.#rings--
    this.#bytes -= bytes
  }

  add(bytes: number): void {
    this.#bytes += bytes
  }
}

/**
 * A channel's newest `pub` frames, kept while one of its subscribers lags, so that every lagging
 * socket catches up from the same encoded Buffers instead of each reading and encoding history.
 * It holds at most its share of the {@link CatchUpBudget}, the oldest going first; a reader
 * further behind than both these frames and history has lost publications. It covers a contiguous run of seqs of one epoch: a new epoch empties it.
 */
export class RecentFrames {
  readonly #budget: CatchUpBudget
  /** A ring buffer: `#items[(#head + i) % capacity]` is the i-th oldest. Grows by doubling. */
  #items: (FramedPub | undefined)[] = []
  #head = 0
  #count = 0
  #bytes = 0
  #isClosed = false

  constructor(budget: CatchUpBudget) {
    this.#budget = budget
    budget.open()
  }

  get size(): number {
    return this.#count
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Appends a delivered publication; a seq that does not follow the newest starts the run over. */
  push(pub: Pub, frame: Buffer): void {
    if (this.#isClosed) return
    const newest = this.#at(this.#count - 1)
    if (newest !== undefined && (newest.epoch !== pub.epoch || newest.seq + 1 !== pub.seq))
      this.#clear()
    // Too big to keep: the run is broken, so readers behind it read history instead.
    if (frame.length > this.#budget.shareBytes) {
      this.#clear()
      return
    }
    if (this.#count === this.#items.length) this.#grow()
    const item: FramedPub = {
      epoch: pub.epoch,
      seq: pub.seq,
      fromClient: pub.from?.client,
      frame,
    }
    this.#items[(this.#head + this.#count) % this.#items.length] = item
    this.#count++
    this.#bytes += frame.length
    this.#budget.add(frame.length)
    const share = this.#budget.shareBytes
    while (this.#bytes > share) this.#shift()
  }

  /**
   * The first `limit` publications after `seq` of `epoch`, or undefined when this ring does not
   * hold the one right after it (then history must be read). An empty page: nothing newer is held.
   */
  after(epoch: string, seq: number, limit: number): FramedPub[] | undefined {
    const oldest = this.#at(0)
    if (oldest === undefined || oldest.epoch !== epoch) return undefined
    const index = seq + 1 - oldest.seq
    if (index < 0 || index > this.#count) return undefined
    const page: FramedPub[] = []
    for (let i = index; i < this.#count && page.length < limit; i++)
      page.push(this.#at(i) as FramedPub)
    return page
  }

  /** Releases the frames and the ring's share of the budget; later pushes are ignored. */
  close(): void {
    if (this.#isClosed) return
    this.#isClosed = true
    this.#budget.close(this.#bytes)
    this.#items = []
    this.#count = 0
    this.#bytes = 0
  }

  #at(i: number): FramedPub | undefined {
    if (i < 0 || i >= this.#count) return undefined
    return this.#items[(this.#head + i) % this.#items.length]
  }

  #shift(): void {
    const item = this.#items[this.#head]
    if (item === undefined) return
    this.#items[this.#head] = undefined
    this.#head = (this.#head + 1) % this.#items.length
    this.#count--
    this.#bytes -= item.frame.length
    this.#budget.add(-item.frame.length)
  }

  #clear(): void {
    while (this.#count > 0) this.#shift()
    this.#head = 0
  }

  #grow(): void {
    const capacity = Math.max(16, this.#items.length * 2)
    const items: (FramedPub | undefined)[] = new Array<FramedPub | undefined>(capacity)
    for (let i = 0; i < this.#count; i++) items[i] = this.#at(i)
    this.#items = items
    this.#head = 0
  }
}
