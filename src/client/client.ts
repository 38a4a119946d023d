import type {
  ClientFrame,
  ConnectResult,
  HistoryResult,
  Member,
  ServerFrame,
} from '../protocol/index.js'
import {
  CloseCode,
  DecodeError,
  SUBPROTOCOL,
  decodeServerFrame,
  parseRetryHint,
  shouldReconnect,
} from '../protocol/index.js'
import { backoffDelayMs } from './backoff.js'
import { describeFailure, failureOf, type ConnectFailure } from './connect-failure.js'
import { createEmitter } from './emitter.js'
import { readHistory, readPresence, type HistoryQuery } from './channel-reads.js'
import { HubbubError } from './errors.js'
import type { ClientLink, RequestBody } from './link.js'
import { createOutbox, type Outbox, type Queued } from './outbox.js'
import { createRequests } from './requests.js'
import { randomKey } from './random-key.js'
import { Subscription } from './subscription.js'
import {
  clientDefaults,
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client-options.js'

export type { ClientEvents, ClientOptions, ClientState, WebSocketConstructor, WebSocketLike }

/** Close code the client uses when it drops a link it believes dead. */
const DEAD_LINK = 4000

/** The code `closed` reports when no WebSocket could be created (browsers' "closed abnormally"). */
const ABNORMAL_CLOSURE = 1006

/**
 * A hubbub connection that reconnects by itself: backoff with full jitter, resubscribing every
 * channel from its last position, and sending publishes made while offline once it is back.
 */
export class Client {
  /** Where to connect, tried in turn (round-robin). */
  readonly #urls: readonly string[]
  /** The index in `#urls` of the URL in use, or tried next. */
  #urlIndex = 0
  readonly #options: Omit<ClientOptions, keyof typeof clientDefaults> & typeof clientDefaults
  readonly #WebSocket: WebSocketConstructor
  readonly #emitter = createEmitter<ClientEvents>()
  readonly #subs = new Map<string, Subscription>()
  readonly #requests = createRequests((frame) => {
    this.#send(frame)
  })
  readonly #outbox: Outbox
  #ws: WebSocketLike | undefined
  #state: ClientState = 'connecting'
  #session: ConnectResult | undefined
  #attempt = 0
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  #silenceTimer: ReturnType<typeof setTimeout> | undefined
  /** Bounds the WebSocket handshake plus the `connect` reply. */
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined
  readonly #link: ClientLink
  /** Why the client closed, once it has. */
  #closedBecause: string | undefined
  /** The newest anonymous credential: the option's, then whatever the server issued. */
  #credential: string | undefined
  #refreshTimer: ReturnType<typeof setTimeout> | undefined

  /**
   * `urls` is one URL or several nodes of one cluster: each (re)connect attempt tries the next one
   * after a failed attempt or a lost connection, round-robin, each attempt waiting the usual
   * backoff delay (see `ClientOptions.minReconnectDelayMs`).
   */
  constructor(urls: string | readonly string[], options: ClientOptions = {}) {
    this.#urls = checkUrls(urls)
    this.#options = { ...clientDefaults, ...definedOnly(options) }
    const WebSocketClass =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (WebSocketClass === undefined)
      throw new TypeError('no WebSocket class: pass one as the WebSocket option')
    this.#WebSocket = WebSocketClass
    this.#outbox = createOutbox(this.#options.maxOutbox)
    this.#credential = options.credential
    this.#link = {
      isConnected: () => this.#state === 'connected',
      request: (body, timeoutMs) => this.#request(body, timeoutMs),
      publish: (body) => this.#publish(body),
      send: (frame) => {
        if (this.#state === 'connected') this.#send(frame)
      },
      forget: (channel) => {
        this.#subs.delete(channel)
      },
    }
    // On the next microtask, so that every event (an `error` from a throwing token function or an
    // unusable URL included) comes after the caller of `connect()` could add its listeners.
    queueMicrotask(() => void this.#open())
  }

  get state(): ClientState {
    return this.#state
  }

  /** The URL of the current connection, or of the next attempt while not connected. */
  get url(): string {
    return this.#urls[this.#urlIndex] ?? ''
  }

  /** What the server said in the last successful handshake. */
  get session(): ConnectResult | undefined {
    return this.#session
  }

  on<E extends keyof ClientEvents>(
    event: E,
    listener: (value: ClientEvents[E]) => void,
  ): () => void {
    return this.#emitter.on(event, listener)
  }

  /** The subscription to `name`, created (and subscribed) on first use. */
  channel(name: string, options: { presence?: boolean } = {}): Subscription {
    if (this.#state === 'closed') throw new HubbubError('closed', 'the client is closed')
    const existing = this.#subs.get(name)
    if (existing !== undefined) return existing
    const sub = new Subscription(name, this.#link, options)
    this.#subs.set(name, sub)
    if (this.#state === 'connected') void sub.resubscribe()
    return sub
  }

  /**
   * Publishes to a channel, subscribed or not; offline, the publish waits in the outbox (see
   * `Subscription.publish`).
   */
  publish(
    channel: string,
    data: unknown,
    options: { key?: string } = {},
  ): Promise<{ seq: number }> {
    const sub = this.#subs.get(channel)
    if (sub !== undefined) return sub.publish(data, options)
    return this.#publish({ type: 'publish', channel, data, key: options.key ?? randomKey() })
  }

  /**
   * Who is in `channel` now, without subscribing (so without joining it); permissions decide, as
   * for a subscription's `presence()`. Rejects with `disconnected` while offline.
   */
  presence(channel: string): Promise<Member[]> {
    return readPresence(this.#link, channel)
  }

  /**
   * What `channel` keeps in its history, without subscribing: the newest `limit` (default 100)
   * publications oldest first, or those after `since`; `reverse` for newest first. Rejects with
   * `disconnected` while offline.
   */
  history(channel: string, query: HistoryQuery = {}): Promise<HistoryResult> {
    return readHistory(this.#link, channel, query)
  }

  /** Calls a server rpc method; resolves with its result. */
  rpc(
    method: string,
    params: unknown = null,
    options: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    return this.#request({ type: 'rpc', method, params }, options.timeoutMs)
  }

  /** Resolves once connected (at once if it is); rejects if the client closes first. */
  ready(): Promise<ConnectResult> {
    if (this.#state === 'connected' && this.#session !== undefined)
      return Promise.resolve(this.#session)
    if (this.#state === 'closed')
      return Promise.reject(
        new HubbubError('closed', this.#closedBecause ?? 'the client is closed'),
      )
    return new Promise((resolve, reject) => {
      const offs = [
        this.on('connected', (session) => {
          for (const off of offs) off()
          resolve(session)
        }),
        this.on('closed', ({ reason }) => {
          for (const off of offs) off()
          reject(new HubbubError('closed', reason))
        }),
      ]
    })
  }

  /** Closes for good: no reconnect; waiting calls reject with `closed`. */
  close(): void {
    this.#stop(CloseCode.Normal, 'closed by the client')
  }

  async #open(): Promise<void> {
    if (this.#state === 'closed') return
    this.#setState('connecting')
    let token: string | undefined
    try {
      const source = this.#options.token
      token = typeof source === 'function' ? await source() : source
    } catch (err) {
      this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)))
      this.#scheduleReconnect(CloseCode.Internal, 'could not get a token')
      return
    }
    if (this.#state !== 'connecting') return
    let ws: WebSocketLike
    try {
      ws = new this.#WebSocket(this.url, SUBPROTOCOL)
    } catch (err) {
      // A malformed URL or a blocked port: trying again cannot help.
      const error = err instanceof Error ? err : new Error(String(err))
      this.#emitter.emit('error', error)
      this.#stop(ABNORMAL_CLOSURE, `cannot open a WebSocket: ${error.message}`)
      return
    }
    this.#ws = ws
    let hasOpened = false
    let failure: ConnectFailure | undefined
    // A server (or middlebox) that accepts TCP and never answers would otherwise hold us here.
    clearTimeout(this.#handshakeTimer)
    this.#handshakeTimer = setTimeout(() => {
      this.#drop(ws, 'no answer to the handshake')
    }, this.#options.requestTimeoutMs)
    ws.onopen = () => {
      hasOpened = true
      // Batching lets the server pack a turn's frames into one message: far fewer frames to parse.
      const body: RequestBody = { type: 'connect', batch: true }
      if (this.#options.name !== undefined) body.name = this.#options.name
      if (this.#credential !== undefined) body.credential = this.#credential
      if (token !== undefined) body.token = token
      this.#requests.call(body, this.#options.requestTimeoutMs).then(
        (result) => {
          this.#onConnected(result as ConnectResult)
        },
        (err: unknown) => {
          if (!(err instanceof HubbubError) || ws !== this.#ws) return
          // After `unauthorized` and `forbidden` the server closes (4501, 4503): its code decides.
          switch (err.code) {
            case 'disconnected':
            case 'closed':
            case 'unauthorized':
            case 'forbidden':
              return
            case 'bad_request':
              // Our connect frame is wrong (a name too long, a bad anonId): retrying cannot help,
              // and the server would only close 4504 once its connect deadline passed.
              this.#stop(CloseCode.BadProtocol, err.message)
              return
            default:
              // A timeout, or the server could not check the token now (`unavailable`, …).
              this.#drop(ws, `connect failed: ${err.message}`)
          }
        },
      )
    }
    ws.onmessage = (event) => {
      if (ws !== this.#ws) return
      this.#armSilence()
      this.#receive(ws, event.data)
    }
    ws.onclose = (event) => {
      if (ws !== this.#ws) return
      if (hasOpened) {
        this.#onClose(event.code, event.reason)
        return
      }
      // Never opened: the close says only 1006, the error before it said why.
      const cause = failure ?? failureOf(undefined)
      this.#onClose(event.code, describeFailure(cause), cause)
    }
    ws.onerror = (event: unknown) => {
      // `onclose` follows with the code.
      if (!hasOpened) failure ??= failureOf(event)
    }
  }

  #onConnected(session: ConnectResult): void {
    clearTimeout(this.#handshakeTimer)
    this.#session = session
    if (session.credential !== undefined) this.#credential = session.credential
    this.#scheduleRefresh(session.expiresAt)
    this.#attempt = 0
    this.#setState('connected')
    this.#armSilence()
    this.#emitter.emit('connected', session)
    // Publishes first: a subscription then knows the seqs of its own publications before its
    // resubscribe reply returns them among the missed ones.
    for (const queued of this.#outbox.takeAll()) this.#sendPublish(queued)
    for (const sub of this.#subs.values()) void sub.resubscribe()
  }

  /**
   * Before a token expires, asks the token function for a new one and sends it in a `refresh`.
   * A failed refresh is reported as an `error`; the server then closes 4003 at expiry and the
   * reconnect asks the function again.
   */
  #scheduleRefresh(expiresAt: number | undefined): void {
    clearTimeout(this.#refreshTimer)
    const source = this.#options.token
    if (expiresAt === undefined || typeof source !== 'function') return
    const lifetimeMs = expiresAt - Date.now()
    const leadMs = Math.min(this.#options.refreshBeforeExpiryMs, lifetimeMs / 5)
    // Timers overflow past ~24.8 days; such a token needs no refresh in any one connection.
    const delayMs = Math.max(0, lifetimeMs - leadMs)
    if (delayMs > 2 ** 31 - 1) return
    this.#refreshTimer = setTimeout(() => {
      const ws = this.#ws
      void (async () => {
        const token = await source()
        if (ws !== this.#ws || this.#state !== 'connected') return
        const result = (await this.#request({ type: 'refresh', token })) as {
          expiresAt?: number
        }
        if (ws === this.#ws) this.#scheduleRefresh(result.expiresAt)
      })().catch((err: unknown) => {
        this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)))
      })
    }, delayMs)
  }

  /**
   * One WebSocket message: a frame, or several newline-separated ones (batching). A frame's
   * listener may close or drop the link: the frames after it are then ignored, as later messages
   * would be.
   */
  #receive(ws: WebSocketLike, data: unknown): void {
    const text = typeof data === 'string' ? data : String(data)
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.#receiveFrame(text.slice(start, end))
      start = end + 1
      if (ws !== this.#ws) return
    }
    this.#receiveFrame(start === 0 ? text : text.slice(start))
  }

  #receiveFrame(text: string): void {
    let frame: ServerFrame
    try {
      frame = decodeServerFrame(text)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      this.#emitter.emit('error', err)
      return
    }
    switch (frame.type) {
      case 'reply':
        this.#requests.settle(
          frame.id,
          'error' in frame
            ? { error: new HubbubError(frame.error.code, frame.error.message) }
            : { result: frame.result },
        )
        return
      case 'ping':
        this.#send({ type: 'pong' })
        return
      case 'pub':
      case 'signal':
      case 'join':
      case 'leave':
      case 'members':
      case 'unsubscribed':
        this.#subs.get(frame.channel)?.handle(frame)
        return
    }
  }

  #request(body: RequestBody, timeoutMs?: number): Promise<unknown> {
    if (this.#state === 'closed')
      return Promise.reject(new HubbubError('closed', 'the client is closed'))
    if (this.#state !== 'connected')
      return Promise.reject(new HubbubError('disconnected', 'not connected'))
    return this.#requests.call(body, timeoutMs ?? this.#options.requestTimeoutMs)
  }

  #publish(body: Extract<RequestBody, { type: 'publish' }>): Promise<{ seq: number }> {
    if (this.#state === 'closed')
      return Promise.reject(new HubbubError('closed', 'the client is closed'))
    return new Promise((resolve, reject) => {
      const queued: Queued = { body, resolve, reject }
      if (this.#state === 'connected') this.#sendPublish(queued)
      else this.#outbox.add(queued)
    })
  }

  #sendPublish(queued: Queued): void {
    // Sent but the link drops before the reply: it goes back to the outbox and is sent again
    // after reconnecting, with the same key, so the server delivers it once.
    this.#requests
      .call(queued.body, this.#options.requestTimeoutMs, () => {
        this.#outbox.putBack(queued)
      })
      .then(
        (result) => {
          queued.resolve(result as { seq: number })
        },
        (err: unknown) => {
          queued.reject(err instanceof HubbubError ? err : new HubbubError('internal', String(err)))
        },
      )
  }

  #send(frame: ClientFrame): void {
    const ws = this.#ws
    if (ws === undefined || ws.readyState !== 1) return
    ws.send(JSON.stringify(frame))
  }

  #armSilence(): void {
    clearTimeout(this.#silenceTimer)
    const pingMs = this.#session?.pingMs
    if (pingMs === undefined || this.#ws === undefined) return
    const ws = this.#ws
    this.#silenceTimer = setTimeout(() => {
      this.#drop(ws, 'no ping from the server')
    }, pingMs + this.#options.pingGraceMs)
  }

  /** Gives up on a link that looks dead: reconnect without waiting for its close handshake. */
  #drop(ws: WebSocketLike, reason: string): void {
    if (ws !== this.#ws) return
    // Not `reason`: a close reason over 123 bytes makes `close()` throw.
    ws.close(DEAD_LINK, 'dropped by the client')
    this.#onClose(DEAD_LINK, reason)
  }

  #onClose(code: number, reason: string, cause?: ConnectFailure): void {
    const ws = this.#ws
    this.#ws = undefined
    if (ws !== undefined) {
      ws.onopen = ws.onmessage = ws.onclose = null
    }
    clearTimeout(this.#silenceTimer)
    clearTimeout(this.#handshakeTimer)
    clearTimeout(this.#refreshTimer)
    // Replies that can no longer come: publishes go back to the outbox (see #sendPublish).
    this.#requests.loseAll(new HubbubError('disconnected', `connection lost (${code} ${reason})`))
    if (this.#state === 'closed') return
    if (!shouldReconnect(code)) {
      this.#stop(code, reason, cause)
      return
    }
    this.#scheduleReconnect(code, reason, cause)
  }

  #scheduleReconnect(code: number, reason: string, cause?: ConnectFailure): void {
    const hintMs = code === CloseCode.GoingAway ? parseRetryHint(reason) : undefined
    const delayMs =
      hintMs ??
      backoffDelayMs(this.#attempt++, {
        minMs: this.#options.minReconnectDelayMs,
        maxMs: this.#options.maxReconnectDelayMs,
      })
    // The next attempt goes to the next node: this one failed, or lost us.
    this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length
    this.#setState('disconnected')
    this.#emitter.emit('disconnected', {
      code,
      reason,
      reconnectInMs: delayMs,
      ...(cause === undefined ? {} : { cause }),
    })
    // A listener may have closed the client.
    if (this.#state === 'closed') return
    clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = setTimeout(() => {
      void this.#open()
    }, delayMs)
  }

  #stop(code: number, reason: string, cause?: ConnectFailure): void {
    if (this.#state === 'closed') return
    this.#setState('closed')
    clearTimeout(this.#refreshTimer)
    clearTimeout(this.#reconnectTimer)
    clearTimeout(this.#silenceTimer)
    clearTimeout(this.#handshakeTimer)
    const ws = this.#ws
    this.#ws = undefined
    if (ws !== undefined) {
      ws.onopen = ws.onmessage = ws.onclose = null
      ws.close(CloseCode.Normal, 'bye')
    }
    this.#closedBecause = reason
    const error = new HubbubError('closed', reason)
    this.#requests.loseAll(error)
    for (const queued of this.#outbox.takeAll()) queued.reject(error)
    for (const sub of this.#subs.values()) sub.close(error)
    this.#subs.clear()
    this.#emitter.emit('closed', { code, reason, ...(cause === undefined ? {} : { cause }) })
  }

  #setState(state: ClientState): void {
    const previous = this.#state
    if (previous === state) return
    this.#state = state
    this.#emitter.emit('state', { state, previous })
  }
}

/** One URL, or a non-empty list of them (a client of several nodes: failover). */
const checkUrls = (urls: string | readonly string[]): readonly string[] => {
  const list: readonly unknown[] = typeof urls === 'string' ? [urls] : urls
  if (!Array.isArray(list)) throw new TypeError('the URL must be a string or an array of strings')
  if (list.length === 0) throw new TypeError('connect needs at least one URL, got an empty array')
  for (const url of list)
    if (typeof url !== 'string') throw new TypeError(`not a URL string: ${String(url)}`)
  return [...(list as readonly string[])]
}

const definedOnly = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>

/**
 * Opens a client; it connects (and reconnects) by itself. Given several URLs (nodes of one
 * cluster), it moves to the next one when an attempt fails or the connection is lost.
 */
export const connect = (urls: string | readonly string[], options?: ClientOptions): Client =>
  new Client(urls, options)
