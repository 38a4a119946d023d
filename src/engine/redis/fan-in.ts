/**
 * What a node hears from Redis pub/sub, turned into deliveries in seq order with nothing missed.
 * Redis pub/sub is at-most-once: a message published while the subscriber connection is down, or
 * dropped by Redis for a subscriber that fell behind, is gone. So each channel remembers the last
 * publication it delivered; a seq that jumps ahead, a reconnect, or a position check that finds
 * the channel's top ahead for a whole interval, makes it read what it missed from history and
 * deliver that first, holding later messages back meanwhile. What history no longer holds stays
 * missing, and the server sees the jump in seq and has its clients recover (the normal path).
 */
import type { Position, Pub } from '../../protocol/index.js'
import type { BrokerMessage, Deliver } from '../types.js'

/** Reads the channel's top and the publications after `since` (all kept ones without it). */
export type ReadMissed = (
  channel: string,
  since: Position | undefined,
) => Promise<{ top: Position; pubs: Pub[] }>

interface Listening {
  /** The last publication delivered; undefined before the first. */
  delivered: Position | undefined
  /** The top read once the subscription was in place: what the first delivery follows. */
  base: Position | undefined
  /** The top read by the last position check. */
  checked: Position | undefined
  /** Messages held back while missed publications are read. */
  held: BrokerMessage[] | undefined
}

const isAhead = (top: Position, of: Position): boolean => top.epoch !== of.epoch || top.seq > of.seq

export class FanIn {
  readonly #deliver: Deliver
  readonly #readMissed: ReadMissed
  readonly #onError: (error: Error) => void
  readonly #channels = new Map<string, Listening>()

  constructor(deliver: Deliver, readMissed: ReadMissed, onError: (error: Error) => void) {
    this.#deliver = deliver
    this.#readMissed = readMissed
    this.#onError = onError
  }

  get channels(): IterableIterator<string> {
    return this.#channels.keys()
  }

  /** Starts listening on `channel` (before its pub/sub subscription is made). */
  listen(channel: string): void {
    if (!this.#channels.has(channel))
      this.#channels.set(channel, {
        delivered: undefined,
        base: undefined,
        checked: undefined,
        held: undefined,
      })
  }

  /** The subscription is in place and the channel's top was `top`. */
  based(channel: string, top: Position): void {
    const listening = this.#channels.get(channel)
    if (listening !== undefined && listening.base === undefined) listening.base = top
  }

  forget(channel: string): void {
    this.#channels.delete(channel)
  }

  /** A message from pub/sub. */
  hear(channel: string, msg: BrokerMessage): void {
    const listening = this.#channels.get(channel)
    if (listening === undefined) return
    if (listening.held !== undefined) listening.held.push(msg)
    else this.#admit(channel, listening, msg, true)
  }

  /** Delivers `msg` unless already delivered; a jump in seq heals first when `mayHeal`. */
  #admit(channel: string, listening: Listening, msg: BrokerMessage, mayHeal: boolean): void {
    if (msg.kind !== 'pub') {
      this.#deliver(channel, msg)
      return
    }
    const { pub } = msg
    if (listening.delivered !== undefined && !isAhead(pub, listening.delivered)) return
    const expected = listening.delivered ?? listening.base
    if (
      mayHeal &&
      expected !== undefined &&
      pub.epoch === expected.epoch &&
      pub.seq > expected.seq + 1
    ) {
      listening.held = [msg]
      void this.#heal(channel, listening, expected)
      return
    }
    listening.delivered = { epoch: pub.epoch, seq: pub.seq }
    this.#deliver(channel, msg)
  }

  /**
   * Compares each channel's top with what it delivered. `now` heals at once (after a reconnect,
   * when messages were surely lost); otherwise a channel heals only when the top seen by the
   * previous check is still ahead, since later ones may be on their way.
   */
  check(tops: Map<string, Position>, now: boolean): void {
    for (const [channel, top] of tops) {
      const listening = this.#channels.get(channel)
      if (listening === undefined) continue
      const expected = listening.delivered ?? listening.base
      const due = now ? top : listening.checked
      listening.checked = top
      if (expected === undefined || due === undefined || listening.held !== undefined) continue
      if (!isAhead(due, expected)) continue
      listening.held = []
      void this.#heal(channel, listening, due.epoch === expected.epoch ? expected : undefined)
    }
  }

  async #heal(channel: string, listening: Listening, since: Position | undefined): Promise<void> {
    let missed: Pub[] = []
    try {
      missed = (await this.#readMissed(channel, since)).pubs
    } catch (error) {
      // Unreadable now: what follows is delivered anyway, and the server sees the jump.
      this.#onError(error instanceof Error ? error : new Error(String(error)))
    }
    if (this.#channels.get(channel) !== listening) return
    const held = listening.held ?? []
    listening.held = undefined
    for (const pub of missed) this.#admit(channel, listening, { kind: 'pub', pub }, false)
    // What history did not hold stays missing (the server sees the jump): no second read.
    for (const msg of held) this.#admit(channel, listening, msg, false)
  }
}
