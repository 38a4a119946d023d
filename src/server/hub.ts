import type { HistoryResult, Member, Position, Pub, SubscribeResult } from '../protocol/index.js'
import { ErrorCode, UnsubscribeCode, assertNever } from '../protocol/index.js'
import type { BrokerMessage, Engine, HistoryQuery, PubDraft } from '../engine/types.js'
import type { Logger } from 'pino'
import type { ChannelEvent, RpcHandler } from './api.js'
import { checkAccess } from './access.js'
import type { Caller } from './caller.js'
import type {
  ChannelGuard,
  ChannelRules,
  ChannelWrite,
  ChannelWriteGuard,
  ResolvedChannelOptions,
} from './channel-options.js'
import { ReplyError } from './errors.js'
import { CatchUpBudget, RecentFrames, type FramedPub } from './recent-frames.js'
import type { PresenceBudget } from './presence-budget.js'
import { PRESENCE_WINDOW_MS, admitPresenceEvent, createPresenceBudget } from './presence-budget.js'
import { mayAccess } from './access.js'
import type { Recipient, Subscription } from './subscription.js'
import { isOwn, maxPendingPubs } from './subscription.js'
import {
  LATENCY_SAMPLE_EVERY,
  MAX_LATENCY_SAMPLES,
  type NodeCounters,
} from './metrics/node-counters.js'
import type { HubObserver } from './webhooks/events.js'

/** The part of the resolved server options the hub uses. */
export interface HubConfig {
  engine: Engine
  rules: ChannelRules
  logger: Logger
  nodeId: string
  presenceTtlMs: number
  /** Bytes of recent frames kept, across channels, for lagging subscribers to catch up from. */
  catchUpCacheBytes: number
  maxPresenceEventsPerSecond: number
  /** Where publications, deliveries, engine errors and latency samples are counted. */
  counters: HubCounters
  /** Told of connections' subscriptions, channels and (where it asks) publications; webhooks. */
  observer?: HubObserver | undefined
}

/** The counters the hub adds to: once per publication, never once per recipient. */
export type HubCounters = Pick<
  NodeCounters,
  'publications' | 'deliveries' | 'engineErrors' | 'latencySamples'
>

interface ChannelEntry {
  readonly subs: Set<Subscription>
  /** Resolves once the broker delivers this channel to this node. */
  readonly ready: Promise<void>
  /** The newest publication this node has seen, for catch-up to know when it is done. */
  top: Position | undefined
  /** Subscriptions of this channel in the `lagging` phase. */
  lagging: number
  /** The channel's recent frames, kept while `lagging > 0`. */
  recent: RecentFrames | undefined
  readonly presenceBudget: PresenceBudget
  /** Who this node's join/leave subscribers know is in the channel; see {@link Hub} `#sweepMembers`. */
  members: KnownMembers | undefined
}

/**
 * The members a channel's join/leave subscribers on this node were told of (by join events, or
 * found by a sweep), so that a member whose node died, and so never said `leave`, is reported
 * leaving once its presence entry expires.
 */
interface KnownMembers {
  readonly known: Map<string, Member>
  /** Whether a sweep has listed the channel once: before it, a leave may be for anyone. */
  seeded: boolean
  /** Clients with a join or leave event during the sweep in flight: its list may predate them. */
  touched: Set<string> | undefined
}

/**
 * A page of catch-up: the publications right after the position asked for (empty: none is
 * stored past it), or `lost` when some of them are gone (another epoch, or out of history).
 */
export type CatchUpPage =
  { readonly kind: 'page'; readonly items: readonly FramedPub[] } | { readonly kind: 'lost' }

const LOST: CatchUpPage = { kind: 'lost' }

/** What catching up from a position found. */
export interface Recovery {
  top: Position
  /** Every publication after the position is in `pubs`. */
  recovered: boolean
  pubs: Pub[]
}

const encode = (frame: unknown): Buffer => Buffer.from(JSON.stringify(frame))

/**
 * The core: channels, local subscriptions and the one delivery path. Every publication, local
 * ones included, reaches local subscribers through the engine's `deliver` callback, so one node
 * and many behave alike. Knows nothing of WebSocket or storage.
 */
export class Hub {
  readonly #engine: Engine
  readonly #rules: ChannelRules
  readonly #log: Logger
  readonly #presenceTtlMs: number
  readonly #maxPresenceEvents: number
  readonly #channels = new Map<string, ChannelEntry>()
  /** Per channel, the tail of the broker subscribe/unsubscribe calls, so they apply in order. */
  readonly #brokerOps = new Map<string, Promise<void>>()
  readonly #rpc = new Map<string, RpcHandler>()
  readonly #catchUpBudget: CatchUpBudget
  /** History reads for catch-up in flight, shared by every socket asking for the same page. */
  readonly #catchUpReads = new Map<string, Promise<CatchUpPage>>()
  /** Unsubscribes under way (a closing socket's, say): `stop` waits for their engine calls. */
  readonly #leaving = new Set<Promise<void>>()
  readonly nodeId: string
  readonly #counters: HubCounters
  /** Publications fanned out since the last latency sample. */
  #sinceSample = 0
  readonly #observer: HubObserver | undefined
  #presenceTimer: NodeJS.Timeout | undefined

  constructor(config: HubConfig) {
    this.#engine = config.engine
    this.#rules = config.rules
    this.#log = config.logger
    this.#presenceTtlMs = config.presenceTtlMs
    this.#maxPresenceEvents = config.maxPresenceEventsPerSecond
    this.nodeId = config.nodeId
    this.#counters = config.counters
    this.#observer = config.observer
    this.#catchUpBudget = new CatchUpBudget(config.catchUpCacheBytes)
  }

  get engine(): Engine {
    return this.#engine
  }

  async start(): Promise<void> {
    await this.#engine.start(this.#deliver)
    // Refresh well before expiry, so one missed round does not drop anyone.
    this.#presenceTimer = setInterval(() => {
      this.#refreshPresence()
    }, this.#presenceTtlMs / 3)
    this.#presenceTimer.unref()
  }

  /**
   * Stops the presence refresh and resolves once the unsubscribes under way have finished (or
   * failed), so that the engine, closed next, still takes their presence removals and leaves.
   */
  async stop(): Promise<void> {
    clearInterval(this.#presenceTimer)
    await Promise.allSettled([...this.#leaving])
  }

  options(channel: string): ResolvedChannelOptions {
    return this.#rules.resolve(channel)
  }

  registerRpc(method: string, handler: RpcHandler): void {
    if (this.#rpc.has(method)) throw new Error(`rpc method "${method}" is registered twice`)
    this.#rpc.set(method, handler)
  }

  async rpc(method: string, params: unknown, caller: Caller): Promise<unknown> {
    const handler = this.#rpc.get(method)
    if (handler === undefined) throw new ReplyError(ErrorCode.NotFound, `no rpc method "${method}"`)
    return await handler(params, caller)
  }

  /**
   * Subscribes `recipient`. The subscription is registered before the history read, so nothing
   * published meanwhile is lost: such publications wait in `sub.pending` until the caller has sent
   * the reply and calls {@link Hub.activate}.
   */
  async subscribe(
    recipient: Recipient,
    channel: string,
    request: {
      since?: Position | undefined
      presence?: boolean | undefined
      caller: Caller
      /** Charges creating the channel's stream; throws a ReplyError to refuse it. */
      onCreate?: (() => void) | undefined
    },
  ): Promise<{ sub: Subscription; result: SubscribeResult }> {
    const options = this.#rules.resolve(channel)
    const { caller } = request
    if (!caller.isServer) {
      checkAccess(caller, 'subscribe', channel, options)
      // The members come with the reply only for whom may read them.
      if (request.presence === true) checkAccess(caller, 'presence', channel, options)
      await guard(options.canRead, caller.member, channel, 'read')
    }
    const sub: Subscription = {
      channel,
      recipient,
      options,
      epoch: '',
      lastSeq: 0,
      phase: 'syncing',
      pending: [],
      isClosed: false,
      mayListMembers: caller.isServer || mayAccess(caller, 'presence', channel, options),
    }
    const entry = this.#attach(sub)
    try {
      await entry.ready
      const onCreate = caller.isServer ? undefined : request.onCreate
      const recovery =
        request.since === undefined
          ? await this.#top(channel, onCreate)
          : await this.recover(channel, request.since, options.historySize, onCreate)
      const { presence, broker } = this.#engine
      sub.epoch = recovery.top.epoch
      sub.lastSeq = recovery.top.seq
      if (options.presence) {
        await this.#storage(presence.add(channel, recipient.member, this.#presenceTtlMs))
        if (options.joinLeave)
          await this.#storage(broker.emit(channel, { kind: 'join', member: recipient.member }))
      }
      const result: SubscribeResult = {
        epoch: recovery.top.epoch,
        seq: recovery.top.seq,
        recovered: recovery.recovered,
        missed: recovery.recovered ? recovery.pubs.filter((pub) => !isOwn(sub, pub)) : [],
      }
      if (options.state !== undefined) result.state = await options.state(channel)
      if (request.presence === true && options.presence)
        result.members = await this.#storage(presence.list(channel))
      this.#observer?.notify({ type: 'subscribe', channel, member: recipient.member })
      return { sub, result }
    } catch (err) {
      await this.#detach(sub)
      throw err
    }
  }

  /** Ends syncing: hands the parked publications to the recipient, then lets live ones flow. */
  activate(sub: Subscription): void {
    if (sub.isClosed) return
    sub.phase = 'live'
    const parked = sub.pending
    sub.pending = []
    for (const pub of parked)
      if (sub.recipient.deliverPub(sub, pub, encodePub(sub.channel, pub)))
        this.#counters.deliveries += 1
  }

  /** Removes a subscription (leaving presence, with a `leave` event where the channel has them). */
  async unsubscribe(sub: Subscription): Promise<void> {
    if (sub.isClosed) return
    const leaving = this.#leave(sub)
    this.#leaving.add(leaving)
    try {
      await leaving
    } finally {
      this.#leaving.delete(leaving)
    }
  }

  async #leave(sub: Subscription): Promise<void> {
    const { options, channel, recipient } = sub
    // Before detaching: the channel's `vacated`, if this was its last subscriber, comes after.
    this.#observer?.notify({ type: 'unsubscribe', channel, member: recipient.member })
    await this.#detach(sub)
    if (!options.presence) return
    await this.#storage(this.#engine.presence.remove(channel, recipient.member.client))
    if (options.joinLeave)
      await this.#storage(
        this.#engine.broker.emit(channel, { kind: 'leave', member: recipient.member }),
      )
  }

  /** Publishes; a client `caller` is held to the channel's permissions. */
  async publish(
    channel: string,
    data: unknown,
    meta: {
      from?: Member | undefined
      key?: string | undefined
      caller: Caller
      /** Charges creating the channel's stream (not for a server caller); throws to refuse it. */
      onCreate?: (() => void) | undefined
    },
  ): Promise<Position> {
    const options = this.#rules.resolve(channel)
    const { caller } = meta
    if (!caller.isServer) {
      checkAccess(caller, 'publish', channel, options)
      await guardWrite(options.canWrite, caller.member, channel, { kind: 'publish', data })
    }
    const draft: PubDraft = { data, time: Date.now() }
    if (meta.onCreate !== undefined && !caller.isServer) draft.onCreate = meta.onCreate
    if (meta.from !== undefined) draft.from = meta.from
    // A key is the publisher's own: scoped to its user (the server's, for apps and the HTTP API),
    // so another user can never make a publication vanish by guessing its key.
    if (meta.key !== undefined) draft.key = scopedKey(caller, meta.key)
    const position = await this.#storage(
      this.#engine.broker.publish(channel, draft, {
        historySize: options.historySize,
        historyTtlMs: options.historyTtlMs,
        dedupWindowMs: options.dedupWindowMs,
      }),
    )
    this.#counters.publications += 1
    // Once per publication, on the node that accepted it; never per delivery.
    if (this.#observer?.wantsPublish(channel) === true) {
      const pub: Pub = { ...position, data, time: draft.time }
      if (meta.from !== undefined) pub.from = meta.from
      this.#observer.notify({ type: 'publish', channel, pub })
    }
    return position
  }

  async signal(channel: string, from: Member, data: unknown, caller: Caller): Promise<void> {
    const options = this.#rules.resolve(channel)
    if (!caller.isServer) {
      checkAccess(caller, 'publish', channel, options)
      await guardWrite(options.canWrite, caller.member, channel, { kind: 'signal', data })
    }
    await this.#storage(this.#engine.broker.emit(channel, { kind: 'signal', from, data }))
  }

  /** The channel's members; a client `caller` is held to the channel's permissions. */
  async presence(channel: string, caller: Caller): Promise<Member[]> {
    const options = this.#rules.resolve(channel)
    if (!caller.isServer) {
      checkAccess(caller, 'presence', channel, options)
      await guard(options.canRead, caller.member, channel, 'read')
    }
    if (!options.presence)
      throw new ReplyError(ErrorCode.NotFound, `channel "${channel}" keeps no presence`)
    return await this.#storage(this.#engine.presence.list(channel))
  }

  /**
   * History as the `history` request defines it. With `since`, a position from another epoch or
   * one that history no longer covers fails with `unrecoverable`.
   */
  async history(
    channel: string,
    query: { since?: Position | undefined; limit?: number | undefined; reverse?: boolean },
    caller: Caller,
    onCreate?: () => void,
  ): Promise<HistoryResult> {
    const create = caller.isServer ? {} : onCreate === undefined ? {} : { onCreate }
    const options = this.#rules.resolve(channel)
    if (!caller.isServer) {
      checkAccess(caller, 'history', channel, options)
      await guard(options.canRead, caller.member, channel, 'read')
    }
    const limit = Math.min(query.limit ?? options.historySize, options.historySize)
    const { since } = query
    if (since !== undefined) {
      // A page: the first `limit` publications after `since`, which must follow it without a gap.
      const { top, pubs } = await this.#storage(
        this.#engine.broker.history(channel, { since, limit, ...create }),
      )
      const isSameEpoch = top.epoch === since.epoch && since.seq <= top.seq
      const isContinuous = since.seq === top.seq || pubs[0]?.seq === since.seq + 1
      if (!isSameEpoch || !isContinuous)
        throw new ReplyError(
          ErrorCode.Unrecoverable,
          `publications after seq ${since.seq} of that epoch are no longer in history`,
        )
      return { ...top, pubs }
    }
    const page = await this.#storage(
      this.#engine.broker.history(channel, { limit, reverse: query.reverse === true, ...create }),
    )
    return { ...page.top, pubs: page.pubs }
  }

  /**
   * The publications after `since`, at most `limit` of them. `recovered` is false when the epoch
   * changed or history lost some of them (or more than `limit` are missing).
   */
  async recover(
    channel: string,
    since: Position,
    limit: number,
    onCreate?: () => void,
  ): Promise<Recovery> {
    const query: HistoryQuery = { since, limit }
    if (onCreate !== undefined) query.onCreate = onCreate
    const { top, pubs } = await this.#storage(this.#engine.broker.history(channel, query))
    const isSameEpoch = top.epoch === since.epoch && since.seq <= top.seq
    const first = pubs[0]
    const isComplete =
      since.seq === top.seq ||
      (first !== undefined && first.seq === since.seq + 1 && pubs[pubs.length - 1]?.seq === top.seq)
    return { top, recovered: isSameEpoch && isComplete, pubs }
  }

  /** The channels this node has subscriptions for (clients and local sessions), with their counts. */
  localChannels(): { channel: string; subscribers: number }[] {
    return Array.from(this.#channels, ([channel, entry]) => ({
      channel,
      subscribers: entry.subs.size,
    }))
  }

  /** The newest position this node has seen delivered for a channel, if any. */
  seenTop(channel: string): Position | undefined {
    return this.#channels.get(channel)?.top
  }

  async #top(channel: string, onCreate?: () => void): Promise<Recovery> {
    const query: HistoryQuery = { limit: 0 }
    if (onCreate !== undefined) query.onCreate = onCreate
    const page = await this.#storage(this.#engine.broker.history(channel, query))
    return { top: page.top, recovered: false, pubs: [] }
  }

  /** Engine failures reach clients as `unavailable` (the cause is logged, not sent). */
  async #storage<T>(work: Promise<T>): Promise<T> {
    try {
      return await work
    } catch (err) {
      if (err instanceof ReplyError) throw err
      this.#counters.engineErrors += 1
      this.#log.error({ err }, 'engine call failed')
      throw new ReplyError(ErrorCode.Unavailable, 'storage is unavailable, try again')
    }
  }

  #attach(sub: Subscription): ChannelEntry {
    const existing = this.#channels.get(sub.channel)
    if (existing !== undefined) {
      existing.subs.add(sub)
      return existing
    }
    const entry: ChannelEntry = {
      subs: new Set([sub]),
      ready: this.#brokerOp(sub.channel, 'subscribe'),
      top: undefined,
      lagging: 0,
      recent: undefined,
      presenceBudget: createPresenceBudget(),
      members: undefined,
    }
    this.#channels.set(sub.channel, entry)
    this.#observer?.notify({ type: 'channel.occupied', channel: sub.channel })
    return entry
  }

  async #detach(sub: Subscription): Promise<void> {
    sub.isClosed = true
    const entry = this.#channels.get(sub.channel)
    if (entry === undefined || !entry.subs.delete(sub)) return
    if (sub.phase === 'lagging') this.#lagged(entry, -1)
    if (entry.subs.size > 0) return
    this.#channels.delete(sub.channel)
    clearTimeout(entry.presenceBudget.timer)
    this.#observer?.notify({ type: 'channel.vacated', channel: sub.channel })
    await this.#brokerOp(sub.channel, 'unsubscribe')
  }

  #brokerOp(channel: string, op: 'subscribe' | 'unsubscribe'): Promise<void> {
    const previous = this.#brokerOps.get(channel) ?? Promise.resolve()
    const next = previous
      .catch(() => undefined) // the earlier op's caller saw its error already
      .then(() => this.#engine.broker[op](channel))
    this.#brokerOps.set(channel, next)
    const forget = (): void => {
      if (this.#brokerOps.get(channel) === next) this.#brokerOps.delete(channel)
    }
    next.then(forget, forget)
    return next
  }

  /** The engine's delivery callback: the fan-out hot path. Encodes each message once. */
  readonly #deliver = (channel: string, msg: BrokerMessage): void => {
    const entry = this.#channels.get(channel)
    if (entry === undefined) return
    switch (msg.kind) {
      case 'pub': {
        const { pub } = msg
        entry.top = { epoch: pub.epoch, seq: pub.seq }
        const frame = encodePub(channel, pub)
        // Counted in a local and added once: nothing per recipient touches shared state.
        let delivered = 0
        for (const sub of entry.subs) {
          if (sub.phase === 'syncing') parkPub(sub, pub)
          else if (sub.recipient.deliverPub(sub, pub, frame)) delivered += 1
        }
        const counters = this.#counters
        counters.deliveries += delivered
        if (++this.#sinceSample >= LATENCY_SAMPLE_EVERY) {
          this.#sinceSample = 0
          if (counters.latencySamples.length < MAX_LATENCY_SAMPLES)
            counters.latencySamples.push(Math.max(0, Date.now() - pub.time) / 1_000)
        }
        // After the loop: a subscription that began lagging on this publication needs it kept.
        entry.recent?.push(pub, frame)
        return
      }
      case 'signal': {
        const event: ChannelEvent = { type: 'signal', channel, from: msg.from, data: msg.data }
        this.#fanOutEvent(entry, event, msg.from.client)
        return
      }
      case 'join':
      case 'leave': {
        const { members } = entry
        if (members !== undefined) {
          members.touched?.add(msg.member.client)
          if (msg.kind === 'join') members.known.set(msg.member.client, msg.member)
          // Not known once seeded: a sweep already reported it gone.
          else if (!members.known.delete(msg.member.client) && members.seeded) return
        }
        const { presenceBudget } = entry
        if (!admitPresenceEvent(presenceBudget, Date.now(), this.#maxPresenceEvents)) {
          if (presenceBudget.timer === undefined) this.#holdPresence(channel, entry)
          return
        }
        const event: ChannelEvent = { type: msg.kind, channel, member: msg.member }
        this.#fanOutEvent(entry, event, msg.member.client)
        return
      }
      default:
        assertNever(msg)
    }
  }

  #fanOutEvent(entry: ChannelEntry, event: ChannelEvent, aboutClient: string): void {
    let frame: Buffer | undefined
    for (const sub of entry.subs) {
      if (sub.phase === 'syncing' || sub.recipient.member.client === aboutClient) continue
      if (event.type === 'join' || event.type === 'leave') {
        if (!sub.options.joinLeave) continue
      }
      frame ??= encode(event)
      sub.recipient.deliverEvent(sub, event, frame)
    }
  }

  /**
   * Moves a live subscription to `lagging`: its recipient will catch up with {@link Hub.catchUp}.
   * While a channel has lagging subscriptions, its recent frames are kept for them.
   */
  startLagging(sub: Subscription): void {
    if (sub.phase !== 'live' || sub.isClosed) return
    sub.phase = 'lagging'
    const entry = this.#channels.get(sub.channel)
    if (entry?.subs.has(sub) === true) this.#lagged(entry, 1)
  }

  /** A lagging subscription caught up: publications flow to it live again. */
  stopLagging(sub: Subscription): void {
    if (sub.phase !== 'lagging') return
    sub.phase = 'live'
    const entry = this.#channels.get(sub.channel)
    if (entry?.subs.has(sub) === true) this.#lagged(entry, -1)
  }

  /**
   * The next publications after `since` for a lagging subscription, at most `limit`: from the
   * channel's recent frames when they reach back to `since`, else from one history read that
   * every socket asking for the same page at the same time shares, encoded once. The cost of a
   * page does not depend on how many sockets lag nor on how long history is.
   */
  catchUp(channel: string, since: Position, limit: number): CatchUpPage | Promise<CatchUpPage> {
    const items = this.#channels.get(channel)?.recent?.after(since.epoch, since.seq, limit)
    if (items !== undefined) return { kind: 'page', items }
    const key = `${since.epoch}\u0000${since.seq}\u0000${limit}\u0000${channel}`
    const shared = this.#catchUpReads.get(key)
    if (shared !== undefined) return shared
    const read = this.#readPage(channel, since, limit)
    this.#catchUpReads.set(key, read)
    const forget = (): void => {
      this.#catchUpReads.delete(key)
    }
    read.then(forget, forget)
    return read
  }

  async #readPage(channel: string, since: Position, limit: number): Promise<CatchUpPage> {
    const { top, pubs } = await this.#storage(
      this.#engine.broker.history(channel, { since, limit }),
    )
    if (top.epoch !== since.epoch || since.seq > top.seq) return LOST
    if (since.seq === top.seq) return { kind: 'page', items: [] }
    if (pubs[0]?.seq !== since.seq + 1) return LOST
    const items = pubs.map((pub): FramedPub => ({
      epoch: pub.epoch,
      seq: pub.seq,
      fromClient: pub.from?.client,
      frame: encodePub(channel, pub),
    }))
    return { kind: 'page', items }
  }

  #lagged(entry: ChannelEntry, change: 1 | -1): void {
    entry.lagging += change
    if (entry.lagging > 0) entry.recent ??= new RecentFrames(this.#catchUpBudget)
    else {
      entry.recent?.close()
      entry.recent = undefined
    }
  }

  /** Schedules the member list that ends the current window of held-back join/leave events. */
  #holdPresence(channel: string, entry: ChannelEntry): void {
    const budget = entry.presenceBudget
    const delayMs = Math.max(0, budget.startMs + PRESENCE_WINDOW_MS - Date.now())
    budget.timer = setTimeout(() => {
      this.#flushPresence(channel, entry).catch((err: unknown) => {
        this.#log.error({ err, channel }, 'presence member list failed')
      })
    }, delayMs)
    budget.timer.unref()
  }

  /**
   * Ends a window: when events were held back, sends every live join/leave subscriber the member
   * list (read after them, so it includes their effect). Events held back while it was read, or
   * a window that overflowed again, keep the channel holding for one more window.
   */
  async #flushPresence(channel: string, entry: ChannelEntry): Promise<void> {
    const budget = entry.presenceBudget
    const wasOverflowing = budget.counted > this.#maxPresenceEvents
    budget.startMs = Date.now()
    budget.counted = 0
    if (!budget.isDirty) {
      budget.timer = undefined
      budget.isHolding = false
      return
    }
    budget.isDirty = false
    let members: Member[]
    try {
      members = await this.#engine.presence.list(channel)
    } catch (err) {
      // Try again next window rather than leave subscribers with a stale view.
      budget.isDirty = true
      this.#holdPresence(channel, entry)
      throw err
    }
    if (this.#channels.get(channel) !== entry) return
    const event: ChannelEvent = { type: 'members', channel, members }
    let frame: Buffer | undefined
    for (const sub of entry.subs) {
      if (sub.phase === 'syncing' || !sub.options.joinLeave || !sub.mayListMembers) continue
      frame ??= encode(event)
      sub.recipient.deliverEvent(sub, event, frame)
    }
    // Set again by events held back while the list was read.
    if ((budget.isDirty as boolean) || wasOverflowing) this.#holdPresence(channel, entry)
    else {
      budget.timer = undefined
      budget.isHolding = false
    }
  }

  /** Tells a subscription's recipient it lost the stream's order and should resubscribe. */
  requestResubscribe(sub: Subscription, reason: string): void {
    const event: ChannelEvent = {
      type: 'unsubscribed',
      channel: sub.channel,
      code: UnsubscribeCode.Resubscribe,
      reason,
    }
    sub.recipient.deliverEvent(sub, event, encode(event))
  }

  /**
   * Lists each channel with join/leave subscribers here, and reports a leave for every member they
   * were told of that is no longer listed: its node died (or lost Redis) without saying `leave`,
   * and its entry expired. Members listed but not known are added silently (their join was lost
   * with a link, or predates this node's subscribers).
   */
  #sweepMembers(): void {
    for (const [channel, entry] of this.#channels) {
      const hasJoinLeave = [...entry.subs].some((sub) => sub.options.joinLeave)
      if (!hasJoinLeave) {
        entry.members = undefined
        continue
      }
      const members = (entry.members ??= { known: new Map(), seeded: false, touched: undefined })
      if (members.touched !== undefined) continue
      members.touched = new Set()
      this.#engine.presence
        .list(channel)
        .then((listed) => {
          const touched = members.touched ?? new Set<string>()
          members.touched = undefined
          if (entry.members !== members) return
          const live = new Set(listed.map((member) => member.client))
          if (members.seeded)
            for (const [client, member] of members.known)
              if (!live.has(client) && !touched.has(client))
                this.#deliver(channel, { kind: 'leave', member })
          for (const member of listed)
            if (!touched.has(member.client)) members.known.set(member.client, member)
          members.seeded = true
        })
        .catch((err: unknown) => {
          members.touched = undefined
          this.#counters.engineErrors += 1
          this.#log.error({ err, channel }, 'presence sweep failed')
        })
    }
  }

  #refreshPresence(): void {
    this.#sweepMembers()
    for (const [channel, entry] of this.#channels)
      for (const sub of entry.subs) {
        if (!sub.options.presence || sub.phase === 'syncing') continue
        this.#engine.presence
          .add(channel, sub.recipient.member, this.#presenceTtlMs)
          .catch((err: unknown) => {
            this.#counters.engineErrors += 1
            this.#log.error({ err, channel }, 'presence refresh failed')
          })
      }
  }
}

const guard = async (
  check: ChannelGuard | undefined,
  member: Member,
  channel: string,
  action: string,
): Promise<void> => {
  if (check !== undefined && !(await check(member, channel)))
    throw new ReplyError(ErrorCode.Forbidden, `you may not ${action} "${channel}"`)
}

const guardWrite = async (
  check: ChannelWriteGuard | undefined,
  member: Member,
  channel: string,
  write: ChannelWrite,
): Promise<void> => {
  if (check !== undefined && !(await check(member, channel, write)))
    throw new ReplyError(ErrorCode.Forbidden, `you may not ${write.kind} that in "${channel}"`)
}

/** Encodes a `pub` frame; on the hot path this runs once per publication per node. */
export const encodePub = (channel: string, pub: Pub): Buffer =>
  encode({ type: 'pub', channel, pub })

const parkPub = (sub: Subscription, pub: Pub): void => {
  // Past the bound the newest are dropped: the recipient sees the gap when it goes live and
  // recovers it from history (or, without history, sees the jump in seq).
  if (sub.pending.length < maxPendingPubs) sub.pending.push(pub)
}

/**
 * The engine's dedup key for `key` from `caller`: length-prefixed user id, then the key, so no two
 * (user, key) pairs collide.
 */
const scopedKey = (caller: Caller, key: string): string => {
  const { user } = caller.member
  return `${user.length}:${user}${key}`
}
