/**
 * One webhook receiver: a bounded queue of signed events, sent one at a time in order, each
 * retried with exponential backoff and jitter until it is accepted or its attempts run out.
 */
import type { Logger } from 'pino'
import { compilePattern } from '../pattern.js'
import { eventChannel, type HubEvent, type HubEventType } from './events.js'
import { loggableUrl, type WebhookDeliveryOptions, type WebhookOptions } from './options.js'
import { signWebhook } from './signature.js'

/** An event ready to send: its body is serialized once, for every receiver. */
export interface WebhookItem {
  readonly id: string
  readonly type: HubEventType
  readonly body: string
}

/** What one POST came to. */
type Outcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string }

/**
 * The delay before retry number `attempt` (1 for the first retry): half of the capped
 * exponential step, plus up to as much again at random, so that retries are never immediate and
 * receivers coming back are not hit by every node at once.
 */
export const retryDelayMs = (attempt: number, minMs: number, maxMs: number): number => {
  const step = Math.min(maxMs, minMs * 2 ** (attempt - 1))
  return step / 2 + (Math.random() * step) / 2
}

export class WebhookTarget {
  readonly #hook: WebhookOptions
  readonly #delivery: WebhookDeliveryOptions
  readonly #log: Logger
  readonly #events: ReadonlySet<HubEventType>
  readonly #channels: readonly RegExp[] | undefined
  /** The URL as logs may show it. */
  readonly #where: string
  /** Waiting items from `#head` on; the array is compacted as the head moves. */
  #queue: WebhookItem[] = []
  #head = 0
  #isSending = false
  #isClosed = false
  #abort: AbortController | undefined
  #wake: { timer: NodeJS.Timeout; resolve: () => void } | undefined
  readonly #idleWaiters = new Set<() => void>()
  sent = 0
  failed = 0
  dropped = 0

  constructor(hook: WebhookOptions, delivery: WebhookDeliveryOptions, logger: Logger) {
    this.#hook = hook
    this.#delivery = delivery
    this.#log = logger
    this.#events = new Set(hook.events)
    this.#channels = hook.channels?.map(compilePattern)
    this.#where = loggableUrl(hook.url)
  }

  /** Whether this receiver wants the event (its type, and its channel where one applies). */
  accepts(event: HubEvent): boolean {
    if (!this.#events.has(event.type)) return false
    const channel = eventChannel(event)
    return channel === undefined || this.wantsChannel(channel)
  }

  wantsChannel(channel: string): boolean {
    return this.#channels === undefined || this.#channels.some((re) => re.test(channel))
  }

  get wantsPublish(): boolean {
    return this.#events.has('publish')
  }

  /** Events waiting, the one being sent included. */
  get queued(): number {
    return this.#queue.length - this.#head + (this.#isSending ? 1 : 0)
  }

  /** Queues an item; when the queue is full, the oldest waiting item is dropped for it. */
  enqueue(item: WebhookItem): void {
    if (this.#isClosed) return
    if (this.#queue.length - this.#head >= this.#delivery.maxQueuedEvents) {
      this.#head += 1
      this.dropped += 1
    }
    this.#queue.push(item)
    if (!this.#isSending) {
      this.#isSending = true
      this.#drain().catch((err: unknown) => {
        this.#log.error({ err, webhook: this.#where }, 'webhook sender failed')
      })
    }
  }

  /** Resolves once nothing is waiting or being sent. */
  idle(): Promise<void> {
    if (!this.#isSending) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.add(resolve))
  }

  /** Stops: the request in flight is aborted, waiting items are discarded, retries cancelled. */
  close(): void {
    this.#isClosed = true
    this.#abort?.abort()
    if (this.#wake !== undefined) {
      clearTimeout(this.#wake.timer)
      this.#wake.resolve()
    }
    this.#queue = []
    this.#head = 0
  }

  async #drain(): Promise<void> {
    for (let item = this.#shift(); item !== undefined; item = this.#shift()) await this.#send(item)
    this.#isSending = false
    for (const resolve of this.#idleWaiters) resolve()
    this.#idleWaiters.clear()
  }

  #shift(): WebhookItem | undefined {
    if (this.#isClosed || this.#head >= this.#queue.length) return undefined
    const item = this.#queue[this.#head]
    this.#head += 1
    // Compact now and then, so the array does not grow with everything ever sent.
    if (this.#head >= 1_024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  async #send(item: WebhookItem): Promise<void> {
    const { maxAttempts, retryMinMs, retryMaxMs } = this.#delivery
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#post(item)
      if (outcome.kind === 'sent') {
        this.sent += 1
        return
      }
      if (this.#hasStopped()) return
      if (outcome.kind === 'rejected' || attempt >= maxAttempts) {
        this.failed += 1
        this.#log.warn(
          { webhook: this.#where, event: item.type, id: item.id, attempts: attempt },
          `webhook not delivered: ${outcome.reason}`,
        )
        return
      }
      await this.#sleep(retryDelayMs(attempt, retryMinMs, retryMaxMs))
      if (this.#hasStopped()) return
    }
  }

  /** A method, not the field, so that checks after an await are not narrowed away. */
  #hasStopped(): boolean {
    return this.#isClosed
  }

  /** One POST, signed afresh (so that a retry's timestamp is current). */
  async #post(item: WebhookItem): Promise<Outcome> {
    const timestamp = Math.floor(Date.now() / 1000)
    const abort = new AbortController()
    this.#abort = abort
    const timer = setTimeout(() => {
      abort.abort(new Error(`no response within ${this.#delivery.timeoutMs} ms`))
    }, this.#delivery.timeoutMs)
    try {
      const response = await fetch(this.#hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'hubbub-webhooks',
          'x-hubbub-event': item.type,
          'x-hubbub-delivery': item.id,
          'x-hubbub-timestamp': String(timestamp),
          'x-hubbub-signature': signWebhook(this.#hook.secret, timestamp, item.body),
        },
        body: item.body,
        // A redirect could send the signed event somewhere the operator never named.
        redirect: 'manual',
        signal: abort.signal,
      })
      // The body is not read: only the status counts.
      await response.body?.cancel()
      if (response.status >= 200 && response.status < 300) return { kind: 'sent' }
      const reason = `HTTP ${response.status}`
      return response.status >= 500 || response.status === 429 || response.status === 408
        ? { kind: 'retry', reason }
        : { kind: 'rejected', reason }
    } catch (err) {
      const reason = abort.signal.aborted
        ? abort.signal.reason instanceof Error
          ? abort.signal.reason.message
          : 'aborted'
        : describeFetchError(err)
      return { kind: 'retry', reason }
    } finally {
      clearTimeout(timer)
      this.#abort = undefined
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined
        resolve()
      }, ms)
      timer.unref()
      this.#wake = { timer, resolve }
    })
  }
}

/** fetch says "fetch failed"; the cause says why (ECONNREFUSED, …). */
const describeFetchError = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err)
  const { cause } = err as Error & { cause?: unknown }
  return cause instanceof Error ? cause.message : err.message
}
