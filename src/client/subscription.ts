import type {
  HistoryResult,
  Member,
  Position,
  Pub,
  ServerFrame,
  SubscribeResult,
} from '../protocol/index.js'
import { shouldResubscribe } from '../protocol/index.js'
import { createEmitter } from './emitter.js'
import { HubbubError } from './errors.js'
import type { ClientLink } from './link.js'
import { readHistory, readPresence, type HistoryQuery } from './channel-reads.js'
import { randomKey } from './random-key.js'

export interface SubscriptionEvents {
  /** A publication, in seq order, never twice. */
  message: Pub
  signal: { from: Member; data: unknown }
  /**
   * Someone joined. Also emitted, with `leave`, when the server sends a member list in place of
   * the events it held back (a channel's presence budget): after one, the joins and leaves heard
   * since `subscribed` add up to that list.
   */
  join: Member
  leave: Member
  /** The channel's app state (for example a counter's value), sent with each (re)subscribe. */
  state: unknown
  /**
   * Subscribed (again); `recovered` says whether every missed publication was delivered.
   * `members` is the channel's member list, when the subscription asked for presence.
   */
  subscribed: {
    epoch: string
    seq: number
    recovered: boolean
    wasRecovering: boolean
    members?: Member[]
  }
  /**
   * After a reconnect the server could not give back what was missed (history expired, or the
   * channel's stream was lost): the app should reload its view, e.g. from `history()`.
   */
  reset: { epoch: string; seq: number }
  /** The server ended the subscription for good. */
  unsubscribed: { code: number; reason: string }
  /** A subscribe attempt failed (for example `forbidden`); it is retried on the next reconnect. */
  error: HubbubError
}

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed'

/** Own publications remembered so they are not shown again when a resubscribe returns them. */
const MAX_OWN_SEQS = 1_024

/** Messages an idle `for await` loop may fall behind by before it fails. */
const MAX_ITERATOR_BACKLOG = 10_000

/**
 * Live publications kept while a subscribe reply is being handled. Only those that arrive in the
 * same event-loop turn as the reply can land here; a hubbub server sends at most 1,000 parked ones
 * right behind a reply.
 */
const MAX_EARLY_PUBS = 10_000

/**
 * One channel of a client. It subscribes as soon as the client is connected and again after
 * every reconnect, `since` the last position it delivered, so its `message` listeners see every
 * publication once, in order, or a `reset` when that is no longer possible.
 */
export class Subscription {
  readonly channel: string
  readonly #link: ClientLink
  readonly #emitter = createEmitter<SubscriptionEvents>()
  #state: SubscriptionState = 'subscribing'
  #position: Position | undefined
  /** Seqs of this client's own publications, which the server does not echo live. */
  readonly #ownSeqs = new Set<number>()
  readonly #iterators = new Set<(pub: Pub | Error) => void>()
  /**
   * Live publications that arrived after the subscribe reply but before it was handled: a
   * transport may dispatch several frames in one turn (`ws` does), and a reply is handled only on
   * the next microtask. Delivered after the reply's missed publications and `subscribed` event.
   */
  #early: Pub[] = []
  /** Own publishes awaiting their reply. */
  readonly #publishing = new Set<Promise<unknown>>()
  /** Counts resubscribes, so an outdated one (the link dropped meanwhile) stops. */
  #generation = 0
  #wantsPresence: boolean
  /** Who is present as far as the events so far tell, by client id: `subscribed` members, joins, leaves. */
  #members = new Map<string, Member>()
  /** A member list that arrived while a subscribe reply was being handled; applied after it. */
  #earlyMembers: Member[] | undefined

  constructor(channel: string, link: ClientLink, options: { presence?: boolean } = {}) {
    this.channel = channel
    this.#link = link
    this.#wantsPresence = options.presence === true
  }

  get state(): SubscriptionState {
    return this.#state
  }

  /** The last position delivered; undefined before the first subscribe reply. */
  get position(): Position | undefined {
    return this.#position
  }

  on<E extends keyof SubscriptionEvents>(
    event: E,
    listener: (value: SubscriptionEvents[E]) => void,
  ): () => void {
    return this.#emitter.on(event, listener)
  }

  /**
   * Publishes; resolves with the publication's seq. Offline, it waits in the client's outbox and
   * goes out after reconnecting, with an idempotency key so it is delivered once.
   */
  publish(data: unknown, options: { key?: string } = {}): Promise<{ seq: number }> {
    if (this.#state === 'unsubscribed')
      return Promise.reject(new HubbubError('closed', `not subscribed to "${this.channel}"`))
    const done = this.#publish(data, options.key ?? randomKey())
    // A resubscribe waits for these, so it knows our own seqs before it delivers what was missed.
    this.#publishing.add(done)
    const forget = (): void => {
      this.#publishing.delete(done)
    }
    done.then(forget, forget)
    return done
  }

  async #publish(data: unknown, key: string): Promise<{ seq: number }> {
    const reply = await this.#link.publish({ type: 'publish', channel: this.channel, data, key })
    this.#rememberOwn(reply.seq)
    return reply
  }

  /** Sends an ephemeral signal (typing, cursors) to the other subscribers; dropped while offline. */
  signal(data: unknown): void {
    this.#assertOpen()
    this.#link.send({ type: 'signal', channel: this.channel, data })
  }

  /** Who is in the channel now. Rejects with `closed` once unsubscribed. */
  async presence(): Promise<Member[]> {
    this.#assertOpen()
    return await readPresence(this.#link, this.channel)
  }

  /** The channel's history, as `Client.history`. Rejects with `closed` once unsubscribed. */
  async history(query: HistoryQuery = {}): Promise<HistoryResult> {
    this.#assertOpen()
    return await readHistory(this.#link, this.channel, query)
  }

  /** Leaves the channel; further calls reject. */
  async unsubscribe(): Promise<void> {
    if (this.#state === 'unsubscribed') return
    this.#end(new HubbubError('closed', 'unsubscribed'))
    this.#link.forget(this.channel)
    if (this.#link.isConnected())
      await this.#link.request({ type: 'unsubscribe', channel: this.channel })
  }

  /** Every publication from now on, for `for await`; ends when the subscription does. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Pub, void, undefined> {
    const queue: (Pub | Error)[] = []
    let wake: (() => void) | undefined
    const push = (item: Pub | Error): void => {
      if (queue.length >= MAX_ITERATOR_BACKLOG)
        queue.push(new HubbubError('too_large', 'the for-await loop fell too far behind'))
      else queue.push(item)
      wake?.()
    }
    this.#iterators.add(push)
    try {
      for (;;) {
        const item = queue.shift()
        if (item === undefined) {
          if (this.#state === 'unsubscribed') return
          await new Promise<void>((resolve) => {
            wake = resolve
          })
          wake = undefined
          continue
        }
        if (item instanceof Error) {
          if (item instanceof HubbubError && item.code === 'closed') return
          throw item
        }
        yield item
      }
    } finally {
      this.#iterators.delete(push)
    }
  }

  /** Called by the client once connected: (re)subscribes from the last position. */
  async resubscribe(): Promise<void> {
    if (this.#state === 'unsubscribed') return
    this.#state = 'subscribing'
    this.#early = []
    this.#earlyMembers = undefined
    const generation = ++this.#generation
    const since = this.#position
    let result: SubscribeResult
    try {
      result = (await this.#link.request({
        type: 'subscribe',
        channel: this.channel,
        ...(since === undefined ? {} : { since }),
        ...(this.#wantsPresence ? { presence: true } : {}),
      })) as SubscribeResult
    } catch (err) {
      const error = err instanceof HubbubError ? err : new HubbubError('internal', String(err))
      this.#early = []
      // A dropped link resubscribes on reconnect anyway; anything else is the app's to know.
      if (error.code !== 'disconnected') this.#emitter.emit('error', error)
      return
    }
    // Missed publications may include our own whose reply was lost: learn their seqs first.
    if (this.#publishing.size > 0) await Promise.allSettled([...this.#publishing])
    if ((this.#state as SubscriptionState) === 'unsubscribed' || generation !== this.#generation)
      return
    const wasRecovering = since !== undefined
    if (wasRecovering && !result.recovered) {
      this.#ownSeqs.clear()
      this.#position = { epoch: result.epoch, seq: result.seq }
      this.#emitter.emit('reset', { epoch: result.epoch, seq: result.seq })
    } else if (!wasRecovering) {
      this.#position = { epoch: result.epoch, seq: result.seq }
    }
    for (const pub of result.missed) this.#deliver(pub)
    if (this.#position !== undefined && this.#position.seq < result.seq)
      this.#position = { epoch: result.epoch, seq: result.seq }
    this.#state = 'subscribed'
    const early = this.#early
    this.#early = []
    this.#members = new Map((result.members ?? []).map((member) => [member.client, member]))
    // Set by handle() while the reply was awaited.
    const earlyMembers = this.#earlyMembers as Member[] | undefined
    this.#earlyMembers = undefined
    this.#emitter.emit('subscribed', {
      epoch: result.epoch,
      seq: result.seq,
      recovered: result.recovered,
      wasRecovering,
      ...(result.members === undefined ? {} : { members: result.members }),
    })
    if (result.state !== undefined) this.#emitter.emit('state', result.state)
    // A listener above may have unsubscribed.
    for (const pub of early)
      if ((this.#state as SubscriptionState) === 'subscribed') this.#deliver(pub)
    if (earlyMembers !== undefined && (this.#state as SubscriptionState) === 'subscribed')
      this.#applyMembers(earlyMembers)
  }

  /** Called by the client for each frame about this channel. */
  handle(frame: Exclude<ServerFrame, { type: 'reply' } | { type: 'ping' }>): void {
    switch (frame.type) {
      case 'pub':
        if (this.#state === 'subscribed') this.#deliver(frame.pub)
        else if (this.#state === 'subscribing' && this.#early.length < MAX_EARLY_PUBS)
          this.#early.push(frame.pub)
        return
      case 'signal':
        this.#emitter.emit('signal', { from: frame.from, data: frame.data })
        return
      case 'join':
        this.#members.set(frame.member.client, frame.member)
        this.#emitter.emit('join', frame.member)
        return
      case 'leave':
        this.#members.delete(frame.member.client)
        this.#emitter.emit('leave', frame.member)
        return
      case 'members':
        if (this.#state === 'subscribed') this.#applyMembers(frame.members)
        else if (this.#state === 'subscribing') this.#earlyMembers = frame.members
        return
      case 'unsubscribed':
        if (shouldResubscribe(frame.code)) {
          void this.resubscribe()
          return
        }
        this.#end(new HubbubError('closed', frame.reason))
        this.#link.forget(this.channel)
        this.#emitter.emit('unsubscribed', { code: frame.code, reason: frame.reason })
        return
    }
  }

  /** Called by the client when it closes for good. */
  close(reason: HubbubError): void {
    this.#end(reason)
  }

  /** Turns a member list into the leaves and joins that bring the known members to it. */
  #applyMembers(members: readonly Member[]): void {
    const next = new Map(members.map((member) => [member.client, member]))
    const known = this.#members
    this.#members = next
    for (const [client, member] of known)
      if (!next.has(client) && this.#state === 'subscribed') this.#emitter.emit('leave', member)
    for (const [client, member] of next)
      if (!known.has(client) && this.#state === 'subscribed') this.#emitter.emit('join', member)
  }

  #deliver(pub: Pub): void {
    const position = this.#position
    if (position !== undefined && pub.epoch === position.epoch && pub.seq <= position.seq) return
    this.#position = { epoch: pub.epoch, seq: pub.seq }
    if (this.#ownSeqs.size > 0) {
      const isOwn = this.#ownSeqs.has(pub.seq)
      for (const seq of this.#ownSeqs) if (seq <= pub.seq) this.#ownSeqs.delete(seq)
      if (isOwn) return
    }
    this.#emitter.emit('message', pub)
    for (const push of this.#iterators) push(pub)
  }

  #rememberOwn(seq: number): void {
    const position = this.#position
    if (position !== undefined && seq <= position.seq) return
    this.#ownSeqs.add(seq)
    if (this.#ownSeqs.size > MAX_OWN_SEQS) {
      const oldest = this.#ownSeqs.values().next().value
      if (oldest !== undefined) this.#ownSeqs.delete(oldest)
    }
    // The server does not echo our own publication live: when it is next in line, move past it.
    while (this.#position !== undefined && this.#ownSeqs.delete(this.#position.seq + 1))
      this.#position = { epoch: this.#position.epoch, seq: this.#position.seq + 1 }
  }

  #end(reason: HubbubError): void {
    if (this.#state === 'unsubscribed') return
    this.#state = 'unsubscribed'
    for (const push of this.#iterators) push(reason)
  }

  #assertOpen(): void {
    if (this.#state === 'unsubscribed')
      throw new HubbubError('closed', `not subscribed to "${this.channel}"`)
  }
}
