import type { Logger } from 'pino'
import type {
  ClientFrame,
  ConnectFrame,
  ConnectResult,
  Member,
  Pub,
  RefreshResult,
  RequestFrame,
} from '../protocol/index.js'
import {
  CloseCode,
  DecodeError,
  ErrorCode,
  assertNever,
  checkDisplayName,
  checkOperatorName,
  decodeClientFrame,
  formatRetryHint,
} from '../protocol/index.js'
import type { ChannelEvent } from './api.js'
import { Disconnect, ReplyError } from './errors.js'
import type { Hub } from './hub.js'
import { randomId } from './ids.js'
import type { AnonymousCredentials } from './auth/anonymous.js'
import { clientCaller, type Caller } from './caller.js'
import type { Identity, ResolvedOptions } from './options.js'
import {
  createTokenBucket,
  createWindowCounter,
  type TokenBucket,
  type WindowCounter,
} from './rate-limit.js'
import type { Recipient, Subscription } from './subscription.js'
import { classifyPub, isFromOwn } from './subscription.js'
import type { Transport, TransportHandlers } from './transport.js'
import { startHeartbeat, type Heartbeat, type HeartbeatConfig } from './heartbeat.js'
import { countBackpressure, countOne, type NodeCounters } from './metrics/node-counters.js'
import type { RecentDisconnects } from './metrics/recent-disconnects.js'

/** What a connection needs from the server around it. */
export interface ConnectionContext {
  hub: Hub
  options: ResolvedOptions
  logger: Logger
  /** Called once when the connection is gone. */
  onClose: (connection: Connection) => void
  /** Called once when `connect` succeeds. */
  onConnected?: (connection: Connection) => void
  /** Issues and checks anonymous credentials under the server secret. */
  credentials: AnonymousCredentials
  /** The new-channel budget shared by the connections from this one's IP address. */
  ipChannelBudget: TokenBucket
  /** The client's IP address (behind `trustProxy`, the forwarded one), for per-address budgets. */
  address?: string
  /** The node's counters: disconnects, error replies and backpressure outcomes (slow paths). */
  counters: NodeCounters
  /** Where this connection's close is recorded. */
  recentDisconnects: RecentDisconnects
}

const PING_FRAME = Buffer.from('{"type":"ping"}')
/** Publications a lagging subscription catches up per step (one page of the hub's catch-up). */
const CATCH_UP_PAGE_PUBS = 64
/** The pong every client sends: recognised by its bytes, with no JSON parse. */
const PONG_FRAME = Buffer.from('{"type":"pong"}')
/** How a frame whose type is pong starts when written canonically; a longer one is refused unparsed. */
const PONG_PREFIX = Buffer.from('{"type":"pong"')
/** Frames that may arrive while `connect` is being authenticated, before the first reply. */
const MAX_EARLY_FRAMES = 64

type Phase = 'awaiting-connect' | 'connecting' | 'open' | 'closed'
/** A frame held while `connect` is pending, replayed as it came (a binary one stays binary). */
interface EarlyFrame {
  data: Buffer
  isBinary: boolean
}
/** Why a subscription is catching up: its socket was full, or the broker skipped a seq. */
type LagCause = 'slow' | 'gap'

/** One protocol (`hubbub.v1`) client session: handshake, requests, heartbeat, backpressure, limits. */
export class Connection implements Recipient {
  readonly #transport: Transport
  readonly #hub: Hub
  readonly #options: ResolvedOptions
  readonly #log: Logger
  readonly #onClose: (connection: Connection) => void
  readonly #context: ConnectionContext
  #member: Member
  /** Who this connection is to the hub's permissions; set by `connect`. */
  #caller: Caller
  /** The verified token's identity; undefined for anonymous connections. */
  #identity: Identity | undefined
  #phase: Phase = 'awaiting-connect'
  readonly #subs = new Map<string, Subscription>()
  /** Channels with a subscribe in flight, and when it settles; created on demand, dropped empty. */
  #subscribing: Map<string, Promise<unknown>> | undefined
  /** Frames that arrived while `connect` was being authenticated; created on demand. */
  #early: EarlyFrame[] | undefined
  /**
   * The connect deadline until `connect` succeeds, then the heartbeat. The deadline is kept as the
   * timer's numeric id (which `clearTimeout` takes too), not as its `Timeout`: once cleared, the
   * `Timeout` and its closure are then freed instead of being held for the connection's lifetime.
   */
  #connectTimer: number | undefined
  #heartbeat: Heartbeat | undefined
  #expiryTimer: NodeJS.Timeout | undefined
  readonly #bucket: TokenBucket
  /** Created on the first new channel: most connections use existing ones only. */
  #channelBudget: TokenBucket | undefined
  /** Created on the first invalid or rate-limited frame: most connections never send one. */
  #invalidFrames: WindowCounter | undefined
  #limitedFrames: WindowCounter | undefined
  /** Under the `latest` policy: the newest frame per key while the socket is full. */
  #latest: Map<string, Buffer> | undefined
  /** Subscriptions catching up; created on demand (most sockets never fill up). */
  #lagging: Map<Subscription, LagCause> | undefined
  #isCatchingUp = false

  constructor(transport: Transport, context: ConnectionContext) {
    this.#transport = transport
    this.#hub = context.hub
    this.#options = context.options
    this.#log = context.logger
    this.#onClose = context.onClose
    this.#context = context
    this.#member = { client: randomId(), user: '', name: '' }
    this.#caller = clientCaller(this.#member, false, [], context.address)
    const { options } = context
    this.#bucket = createTokenBucket(options.requestsPerSecond, options.requestBurst)
    const deadline = setTimeout(() => {
      this.disconnect(
        new Disconnect(
          CloseCode.NoConnect,
          `no connect frame within ${options.connectTimeoutMs} ms`,
        ),
      )
    }, options.connectTimeoutMs)
    this.#connectTimer = Number(deadline)
    transport.listen(new Connection.#Events(this))
  }

  /** Charges one new channel to this connection's and its IP's budgets; throws when spent. */
  readonly #chargeNewChannel = (): void => {
    const options = this.#options
    const nowMs = Date.now()
    this.#channelBudget ??= createTokenBucket(options.newChannelsPerSecond, options.newChannelBurst)
    if (!this.#channelBudget.take(nowMs))
      throw new ReplyError(
        ErrorCode.TooManyRequests,
        `too many new channels: at most ${options.newChannelsPerSecond} per second (burst ${options.newChannelBurst}) per connection`,
      )
    if (!this.#context.ipChannelBudget.take(nowMs))
      throw new ReplyError(
        ErrorCode.TooManyRequests,
        `too many new channels: at most ${options.newChannelsPerSecondPerIp} per second (burst ${options.newChannelBurstPerIp}) per IP address`,
      )
  }

  /**
   * The transport's handlers: one small object per connection rather than a closure per event.
   * Nested, to reach the connection's private methods; the transport calls them as methods.
   */
  /** What the heartbeat calls: an object per connection rather than a config with closures. */
  static readonly #Beats = class implements HeartbeatConfig {
    readonly #connection: Connection

    constructor(connection: Connection) {
      this.#connection = connection
    }

    get intervalMs(): number {
      return this.#connection.#options.pingIntervalMs
    }

    get timeoutMs(): number {
      return this.#connection.#options.pongTimeoutMs
    }

    ping(): void {
      this.#connection.#transport.send(PING_FRAME)
    }

    onTimeout(): void {
      const connection = this.#connection
      const { pongTimeoutMs } = connection.#options
      connection.disconnect(new Disconnect(CloseCode.NoPong, `no pong within ${pongTimeoutMs} ms`))
    }
  }

  static readonly #Events = class implements TransportHandlers {
    readonly #connection: Connection

    constructor(connection: Connection) {
      this.#connection = connection
    }

    message(data: Buffer, isBinary: boolean): void {
      this.#connection.#receive(data, isBinary)
    }

    close(code: number, reason: string): void {
      const connection = this.#connection
      // Still open: the peer closed first (or the socket died).
      if (connection.#phase !== 'closed') connection.#recordClose(code, reason, 'client')
      connection.#teardown()
    }

    drain(): void {
      this.#connection.#onDrain()
    }

    overflow(): void {
      const { maxBufferedBytes } = this.#connection.#options
      const reason = `slow consumer: more than ${maxBufferedBytes} bytes waiting`
      if (!this.#connection.isClosed)
        countBackpressure(this.#connection.#context.counters, 'socket', 'closed')
      this.#connection.disconnect(new Disconnect(CloseCode.SlowConsumer, reason))
    }

    pong(): void {
      // Protocol clients answer the protocol's own ping; a WebSocket-level one still costs.
      this.#connection.#chargePong()
    }

    ping(): void {
      // ws answers it (autoPong); it is charged like any frame.
      this.#connection.#chargePong()
    }

    error(err: Error): void {
      const connection = this.#connection
      connection.#log.debug({ err, client: connection.#member.client }, 'websocket error')
    }
  }

  get member(): Member {
    return this.#member
  }

  get isClosed(): boolean {
    return this.#phase === 'closed'
  }

  /** Ends the connection with a close code; local state is released at once. */
  disconnect(reason: Disconnect): void {
    if (this.#phase === 'closed') return
    this.#recordClose(reason.code, reason.reason, 'server')
    this.#transport.close(reason.code, reason.reason)
    this.#teardown()
  }

  /** Graceful shutdown: close 1001 with a reconnect hint. */
  goAway(retryMs: number): void {
    this.disconnect(new Disconnect(CloseCode.GoingAway, formatRetryHint('shutdown', retryMs)))
  }

  /**
   * The fan-out hot path: no allocation, one read of the buffered bytes, one push. Counters are
   * touched only on the slow paths (a full socket).
   */
  deliverPub(sub: Subscription, pub: Pub, frame: Buffer): boolean {
    if (sub.phase === 'lagging' || this.#phase === 'closed') return false
    const isFull = this.#transport.bufferedBytes > this.#options.sendHighWaterBytes
    if (isFull && isRecoverable(sub)) {
      countBackpressure(this.#context.counters, 'recover', 'skipped')
      this.#lag(sub, 'slow')
      return false
    }
    const verdict = classifyPub(sub, pub)
    if (verdict === 'gap') {
      this.#lag(sub, 'gap')
      return false
    }
    if (verdict === 'skip') return false
    if (!isFull) {
      // A newer value supersedes one held back while the socket was full.
      this.#latest?.delete(sub.channel)
      this.#transport.send(frame)
      return true
    }
    const policy = sub.options.backpressure
    if (policy === 'latest') {
      ;(this.#latest ??= new Map()).set(sub.channel, frame)
      countBackpressure(this.#context.counters, policy, 'coalesced')
    } else countBackpressure(this.#context.counters, policy, 'dropped')
    return false
  }

  deliverEvent(sub: Subscription, event: ChannelEvent, frame: Buffer): void {
    if (this.#phase === 'closed') return
    if (event.type === 'unsubscribed') {
      this.#subs.delete(sub.channel)
      this.#lagging?.delete(sub)
      this.#hub.unsubscribe(sub).catch((err: unknown) => {
        this.#log.error({ err, channel: sub.channel }, 'unsubscribe failed')
      })
      this.#transport.send(frame)
      return
    }
    if (this.#transport.bufferedBytes <= this.#options.sendHighWaterBytes) {
      this.#transport.send(frame)
      return
    }
    const { counters } = this.#context
    if (event.type === 'signal' && signalPolicy(sub) === 'latest') {
      ;(this.#latest ??= new Map()).set(`${sub.channel}\u0000${event.from.client}`, frame)
      countBackpressure(counters, 'latest', 'coalesced')
    } else
      countBackpressure(counters, event.type === 'signal' ? signalPolicy(sub) : 'drop', 'dropped')
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (this.#phase === 'closed') return
    if (this.#phase === 'connecting') {
      this.#early ??= []
      if (this.#early.length >= MAX_EARLY_FRAMES)
        this.disconnect(Disconnect.badProtocol('too many frames before the connect reply'))
      else this.#early.push({ data, isBinary })
      return
    }
    if (this.#phase === 'open' && !isBinary && this.#isPong(data)) return
    let frame: ClientFrame
    try {
      frame = decodeClientFrame(data.toString('utf8'), {
        maxDepth: this.#options.maxDataDepth,
        maxChannelLength: this.#options.maxChannelLength,
      })
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      this.#invalid(err.id, err.message)
      return
    }
    if (isBinary) {
      this.#invalid('id' in frame ? frame.id : undefined, 'send frames as text, not binary')
      return
    }
    if (this.#phase === 'awaiting-connect') {
      if (frame.type === 'connect') void this.#connect(frame)
      else
        this.disconnect(
          Disconnect.badProtocol(`the first frame must be connect, not ${frame.type}`),
        )
      return
    }
    if (
      (frame.type === 'publish' || frame.type === 'signal') &&
      data.length > this.#options.maxPublishBytes
    ) {
      if (frame.type === 'publish')
        this.#replyError(
          frame.id,
          new ReplyError(
            ErrorCode.TooLarge,
            `publications are limited to ${this.#options.maxPublishBytes} bytes`,
          ),
        )
      return
    }
    if (frame.type === 'pong') {
      // Written another way than PONG_FRAME (spaces, key order): parsed, so capped the same.
      if (data.length > this.#options.maxPongBytes) this.#invalidPong()
      else this.#pong()
      return
    }
    if (!this.#bucket.take(performance.now())) {
      if ('id' in frame)
        this.#replyError(frame.id, new ReplyError(ErrorCode.TooManyRequests, 'slow down'))
      this.#rateLimited()
      return
    }
    this.#dispatch(frame)
  }

  /**
   * Handles a pong from its bytes alone: the canonical one, or one too large to be a pong (it is
   * refused unparsed). False for anything else, which is decoded as usual.
   */
  #isPong(data: Buffer): boolean {
    if (data.length === PONG_FRAME.length && data.equals(PONG_FRAME)) {
      this.#pong()
      return true
    }
    if (
      data.length > this.#options.maxPongBytes &&
      data.subarray(0, PONG_PREFIX.length).equals(PONG_PREFIX)
    ) {
      this.#invalidPong()
      return true
    }
    return false
  }

  /** A pong answers the heartbeat, and costs a token like any frame. */
  #pong(): void {
    this.#heartbeat?.pong()
    this.#chargePong()
  }

  #invalidPong(): void {
    this.#invalid(undefined, `pong frames are limited to ${this.#options.maxPongBytes} bytes`)
  }

  /**
   * Pongs (protocol or WebSocket level) and WebSocket pings take a token from the frame bucket.
   * Past the rate one still answers the heartbeat (it does no work), but counts as rate-limited.
   */
  #chargePong(): void {
    if (this.#phase === 'closed' || this.#bucket.take(performance.now())) return
    this.#rateLimited()
  }

  /** One more frame past the rate; closes 4029 when that persists. */
  #rateLimited(): void {
    this.#limitedFrames ??= createWindowCounter(
      this.#options.maxRateLimitedFrames,
      this.#options.abuseWindowMs,
    )
    if (this.#limitedFrames.hit(performance.now()))
      this.disconnect(new Disconnect(CloseCode.RateLimited, 'rate limit exceeded, repeatedly'))
  }

  #invalid(id: number | undefined, message: string): void {
    if (this.#phase === 'awaiting-connect') {
      this.disconnect(Disconnect.badProtocol(`the first frame must be connect: ${message}`))
      return
    }
    if (id !== undefined) this.#replyError(id, new ReplyError(ErrorCode.BadRequest, message))
    this.#invalidFrames ??= createWindowCounter(
      this.#options.maxInvalidFrames,
      this.#options.abuseWindowMs,
    )
    if (this.#invalidFrames.hit(performance.now()))
      this.disconnect(Disconnect.badProtocol(`too many invalid frames; last: ${message}`))
  }

  #dispatch(frame: ClientFrame): void {
    switch (frame.type) {
      case 'connect':
        this.#replyError(frame.id, new ReplyError(ErrorCode.BadRequest, 'already connected'))
        return
      case 'subscribe':
        void this.#subscribe(frame)
        return
      case 'unsubscribe':
        this.#request(frame, async () => {
          await this.#subscribing?.get(frame.channel)
          const sub = this.#subs.get(frame.channel)
          if (sub !== undefined) {
            this.#subs.delete(frame.channel)
            this.#lagging?.delete(sub)
            await this.#hub.unsubscribe(sub)
          }
          return {}
        })
        return
      case 'publish':
        this.#request(frame, async () => {
          const { seq } = await this.#hub.publish(frame.channel, frame.data, {
            from: this.#member,
            key: frame.key,
            caller: this.#caller,
            onCreate: this.#chargeNewChannel,
          })
          return { seq }
        })
        return
      case 'signal':
        this.#hub
          .signal(frame.channel, this.#member, frame.data, this.#caller)
          .catch((err: unknown) => {
            this.#log.debug({ err, channel: frame.channel }, 'signal refused')
          })
        return
      case 'presence':
        this.#request(frame, async () => ({
          members: await this.#hub.presence(frame.channel, this.#caller),
        }))
        return
      case 'history':
        this.#request(frame, () =>
          this.#hub.history(frame.channel, frame, this.#caller, this.#chargeNewChannel),
        )
        return
      case 'rpc':
        this.#request(frame, async () => {
          const result = await this.#hub.rpc(frame.method, frame.params, this.#caller)
          return result ?? null
        })
        return
      case 'pong':
        this.#pong()
        return
      case 'refresh':
        this.#request(frame, () => this.#refresh(frame.token))
        return
      default:
        assertNever(frame)
    }
  }

  async #connect(frame: ConnectFrame): Promise<void> {
    this.#phase = 'connecting'
    try {
      const identity = await this.#authenticate(frame.token)
      if (this.isClosed) return
      if (identity === undefined && !this.#options.anonymous)
        throw new ReplyError(ErrorCode.Unauthorized, 'this server requires a token')
      // Anonymous: the credential presented, if this server issued it, else a fresh identity.
      const anonymous =
        identity === undefined
          ? ((frame.credential === undefined
              ? undefined
              : this.#context.credentials.verify(frame.credential)) ??
            this.#context.credentials.issue())
          : undefined
      // A verified token's name is the operator's: cleaned, never reserved (display-name.ts).
      const named =
        identity?.name === undefined
          ? checkDisplayName(frame.name ?? '')
          : checkOperatorName(identity.name)
      if (!named.ok) throw new ReplyError(ErrorCode.BadRequest, named.problem)
      const { name } = named
      const { client } = this.#member
      this.#member = {
        client,
        user: identity?.user ?? anonymous?.user ?? `anon:${client}`,
        name: name === '' ? `Guest-${client.slice(0, 4)}` : name,
      }
      if (identity?.info !== undefined) this.#member.info = identity.info
      this.#caller = clientCaller(
        this.#member,
        identity !== undefined,
        identity?.channels,
        this.#context.address,
      )
      this.#identity = identity
      if (identity?.expiresAt !== undefined) this.#expireAt(identity.expiresAt)
      this.#phase = 'open'
      const result: ConnectResult = {
        ...this.#member,
        node: this.#hub.nodeId,
        pingMs: this.#options.pingIntervalMs,
      }
      if (anonymous !== undefined) result.credential = anonymous.credential
      if (identity?.expiresAt !== undefined) result.expiresAt = identity.expiresAt
      if (frame.batch === true && this.#options.maxBatchBytes > 0) {
        result.batch = true
        this.#transport.enableBatching()
      }
      this.#reply(frame.id, result)
      clearTimeout(this.#connectTimer)
      this.#heartbeat = startHeartbeat(new Connection.#Beats(this))
      this.#context.onConnected?.(this)
    } catch (err) {
      if (this.isClosed) return
      this.#phase = 'awaiting-connect'
      this.#replyError(frame.id, err)
      if (err instanceof ReplyError && err.code === ErrorCode.Unauthorized)
        this.disconnect(new Disconnect(CloseCode.Unauthorized, err.message))
      if (err instanceof ReplyError && err.code === ErrorCode.Forbidden)
        this.disconnect(new Disconnect(CloseCode.Forbidden, err.message))
    }
    const early = this.#early
    this.#early = undefined
    for (const { data, isBinary } of early ?? []) this.#receive(data, isBinary)
  }

  /** A `refresh`: a new token for the same user replaces the old one and its expiry. */
  async #refresh(token: string): Promise<RefreshResult> {
    if (this.#identity === undefined)
      throw new ReplyError(ErrorCode.BadRequest, 'an anonymous connection has no token to refresh')
    const identity = await this.#authenticate(token)
    if (identity === undefined || identity.user !== this.#member.user)
      throw new ReplyError(ErrorCode.Forbidden, 'a refreshed token must be for the same user')
    this.#identity = identity
    // New grants apply to later requests; subscriptions already made stay.
    this.#caller = clientCaller(this.#member, true, identity.channels, this.#context.address)
    clearTimeout(this.#expiryTimer)
    this.#expiryTimer = undefined
    if (identity.expiresAt === undefined) return {}
    this.#expireAt(identity.expiresAt)
    return { expiresAt: identity.expiresAt }
  }

  #expireAt(expiresAtMs: number): void {
    const expire = (): void => {
      this.disconnect(new Disconnect(CloseCode.TokenExpired, 'token expired'))
    }
    const delayMs = expiresAtMs - Date.now()
    // setTimeout overflows past ~24.8 days; such a token outlives any connection we hold anyway.
    if (delayMs <= 0) queueMicrotask(expire)
    else if (delayMs < 2 ** 31 - 1) this.#expiryTimer = setTimeout(expire, delayMs)
  }

  async #authenticate(token: string | undefined) {
    if (token === undefined) return undefined
    const { authenticate } = this.#options
    if (authenticate === undefined)
      throw new ReplyError(ErrorCode.Unauthorized, 'this server accepts no tokens')
    try {
      return await authenticate(token)
    } catch (err) {
      if (err instanceof ReplyError) throw err
      this.#log.debug({ err }, 'token refused')
      throw new ReplyError(
        ErrorCode.Unauthorized,
        err instanceof Error ? err.message : 'invalid token',
      )
    }
  }

  async #subscribe(frame: Extract<ClientFrame, { type: 'subscribe' }>): Promise<void> {
    const { channel } = frame
    if (this.#subs.has(channel) || this.#subscribing?.has(channel) === true) {
      this.#replyError(
        frame.id,
        new ReplyError(ErrorCode.BadRequest, `already subscribed to "${channel}"`),
      )
      return
    }
    const max = this.#options.maxChannelsPerConnection
    if (this.#subs.size + (this.#subscribing?.size ?? 0) >= max) {
      this.#replyError(
        frame.id,
        new ReplyError(ErrorCode.TooManyRequests, `at most ${max} channels per connection`),
      )
      return
    }
    const pending = this.#hub.subscribe(this, channel, {
      ...frame,
      caller: this.#caller,
      onCreate: this.#chargeNewChannel,
    })
    const subscribing = (this.#subscribing ??= new Map())
    subscribing.set(
      channel,
      pending.catch(() => undefined),
    )
    try {
      const { sub, result } = await pending
      if (this.#phase === 'closed') {
        await this.#hub.unsubscribe(sub)
        return
      }
      this.#subs.set(channel, sub)
      this.#reply(frame.id, result)
      this.#hub.activate(sub)
    } catch (err) {
      this.#replyError(frame.id, err)
    } finally {
      subscribing.delete(channel)
      if (subscribing.size === 0 && this.#subscribing === subscribing) this.#subscribing = undefined
    }
  }

  #request(frame: RequestFrame, work: () => Promise<unknown>): void {
    work().then(
      (result) => {
        this.#reply(frame.id, result)
      },
      (err: unknown) => {
        this.#replyError(frame.id, err)
      },
    )
  }

  #reply(id: number, result: unknown): void {
    if (this.#phase === 'closed') return
    let text: string
    try {
      text = JSON.stringify({ type: 'reply', id, result })
    } catch (err) {
      this.#replyError(id, err)
      return
    }
    this.#transport.send(text)
  }

  #replyError(id: number, err: unknown): void {
    if (err instanceof Disconnect) {
      this.disconnect(err)
      return
    }
    let error: { code: string; message: string }
    if (err instanceof ReplyError) error = { code: err.code, message: err.message }
    else {
      this.#log.error({ err, client: this.#member.client }, 'request failed')
      error = { code: ErrorCode.Internal, message: 'internal error' }
    }
    if (this.#phase === 'closed') return
    countOne(this.#context.counters.replies, error.code)
    this.#transport.send(JSON.stringify({ type: 'reply', id, error }))
  }

  #lag(sub: Subscription, cause: LagCause): void {
    this.#hub.startLagging(sub)
    const lagging = (this.#lagging ??= new Map())
    if (lagging.get(sub) !== 'slow') lagging.set(sub, cause)
    // A gap can be healed now; a full socket waits for its drain event.
    if (cause === 'gap') queueMicrotask(() => void this.#catchUp())
  }

  #onDrain(): void {
    if (this.#phase === 'closed') return
    if (this.#transport.bufferedBytes > this.#options.sendHighWaterBytes) return
    const latest = this.#latest
    this.#latest = undefined
    for (const frame of latest?.values() ?? []) this.#transport.send(frame)
    void this.#catchUp()
  }

  /**
   * Sends lagging subscriptions what they missed, a page at a time, until they are live again or
   * the socket fills up (its next drain resumes). Pages come from the hub, shared with every other
   * socket behind at the same position, so a thousand lagging sockets cost what one does.
   */
  async #catchUp(): Promise<void> {
    if (this.#isCatchingUp) return
    this.#isCatchingUp = true
    try {
      for (const [sub, cause] of this.#lagging ?? []) {
        while (this.#isStillLagging(sub)) {
          if (this.#isSocketFull()) return
          const position = { epoch: sub.epoch, seq: sub.lastSeq }
          const page = await this.#hub.catchUp(sub.channel, position, CATCH_UP_PAGE_PUBS)
          if (!this.#isStillLagging(sub)) break
          if (page.kind === 'lost') {
            this.#lagging?.delete(sub)
            if (cause === 'slow') {
              countBackpressure(this.#context.counters, 'recover', 'closed')
              this.disconnect(
                new Disconnect(
                  CloseCode.SlowConsumer,
                  'slow consumer: fell behind the history window',
                ),
              )
            } else
              this.#hub.requestResubscribe(
                sub,
                'missed publications; resubscribe since your position',
              )
            break
          }
          for (const item of page.items) {
            if (item.seq <= sub.lastSeq) continue
            if (this.#isSocketFull()) return
            sub.lastSeq = item.seq
            if (isFromOwn(sub, item.fromClient)) continue
            this.#transport.send(item.frame)
            this.#context.counters.deliveries += 1
          }
          const top = this.#hub.seenTop(sub.channel)
          // Caught up, or history holds nothing newer (the next live one then shows the gap).
          const isDone =
            top === undefined ||
            top.epoch !== sub.epoch ||
            top.seq <= sub.lastSeq ||
            page.items.length === 0
          if (isDone) {
            this.#lagging?.delete(sub)
            this.#hub.stopLagging(sub)
          }
        }
      }
    } catch (err) {
      if (err instanceof ReplyError) {
        // Storage is unavailable (logged by the hub): the client resumes once it is back.
        this.disconnect(new Disconnect(CloseCode.Internal, 'catch-up failed: storage unavailable'))
        return
      }
      this.#log.error({ err, client: this.#member.client }, 'catch-up failed')
      this.disconnect(new Disconnect(CloseCode.Internal, 'catch-up failed'))
    } finally {
      this.#isCatchingUp = false
    }
  }

  /** Re-read after every await: the subscription or the connection may have ended meanwhile. */
  #isStillLagging(sub: Subscription): boolean {
    return sub.phase === 'lagging' && !sub.isClosed && this.#phase !== 'closed'
  }

  #isSocketFull(): boolean {
    return this.#transport.bufferedBytes > this.#options.sendHighWaterBytes
  }

  /** Counts the close and keeps it among the node's recent disconnects. */
  #recordClose(code: number, reason: string, by: 'server' | 'client'): void {
    const { counters, recentDisconnects } = this.#context
    countOne(counters.disconnects, code)
    const { client, user, name } = this.#member
    recentDisconnects.record({ time: Date.now(), client, user, name, code, reason, by })
  }

  #teardown(): void {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    clearTimeout(this.#connectTimer)
    clearTimeout(this.#expiryTimer)
    this.#heartbeat?.stop()
    this.#latest = undefined
    this.#lagging = undefined
    this.#early = undefined
    for (const sub of this.#subs.values())
      this.#hub.unsubscribe(sub).catch((err: unknown) => {
        this.#log.error({ err, channel: sub.channel }, 'unsubscribe on close failed')
      })
    this.#subs.clear()
    this.#onClose(this)
  }
}

const signalPolicy = (sub: Subscription): 'latest' | 'drop' =>
  sub.options.signalBackpressure ?? (sub.options.backpressure === 'latest' ? 'latest' : 'drop')

const isRecoverable = (sub: Subscription): boolean =>
  sub.options.backpressure === 'recover' && sub.options.historySize > 0
