import type { Member, Position, Pub, SubscribeResult } from '../protocol/index.js'
import type { Logger } from 'pino'
import type { ChannelEvent, LocalSession } from './api.js'
import { serverCaller, type Caller } from './caller.js'
import type { Hub } from './hub.js'
import type { Recipient, Subscription } from './subscription.js'
import { classifyPub } from './subscription.js'

type Listener = (event: ChannelEvent) => void

/**
 * A server-side client. It has no socket, so no backpressure: events reach its listeners
 * synchronously, in order. A listener that throws is logged and does not disturb the fan-out.
 */
class ServerSession implements Recipient, LocalSession {
  readonly #hub: Hub
  readonly #log: Logger
  readonly #subs = new Map<string, { sub: Subscription; listener: Listener }>()
  readonly member: Member
  /** Server code acting as this member: permissions are the app's business. */
  readonly #caller: Caller
  #isClosed = false

  constructor(hub: Hub, log: Logger, member: Member) {
    this.#hub = hub
    this.#log = log
    this.member = member
    this.#caller = serverCaller(member)
  }

  async subscribe(
    channel: string,
    listener: Listener,
    options?: { since?: Position },
  ): Promise<SubscribeResult> {
    this.#assertOpen()
    if (this.#subs.has(channel)) throw new Error(`session already subscribed to "${channel}"`)
    const { sub, result } = await this.#hub.subscribe(this, channel, {
      since: options?.since,
      caller: this.#caller,
    })
    if (this.#isClosed) {
      await this.#hub.unsubscribe(sub)
      throw new Error('session closed while subscribing')
    }
    this.#subs.set(channel, { sub, listener })
    this.#hub.activate(sub)
    return result
  }

  async unsubscribe(channel: string): Promise<void> {
    const entry = this.#subs.get(channel)
    if (entry === undefined) return
    this.#subs.delete(channel)
    await this.#hub.unsubscribe(entry.sub)
  }

  async publish(channel: string, data: unknown, options?: { key?: string }): Promise<Position> {
    this.#assertOpen()
    return await this.#hub.publish(channel, data, {
      from: this.member,
      key: options?.key,
      caller: this.#caller,
    })
  }

  async signal(channel: string, data: unknown): Promise<void> {
    this.#assertOpen()
    await this.#hub.signal(channel, this.member, data, this.#caller)
  }

  async close(): Promise<void> {
    if (this.#isClosed) return
    this.#isClosed = true
    const subs = [...this.#subs.values()]
    this.#subs.clear()
    await Promise.all(subs.map(({ sub }) => this.#hub.unsubscribe(sub)))
  }

  deliverPub(sub: Subscription, pub: Pub): boolean {
    // Without a socket there is nothing to catch up from: a gap is reported as a seq jump.
    if (classifyPub(sub, pub) === 'skip') return false
    this.#emit(sub, { type: 'pub', channel: sub.channel, pub })
    return true
  }

  deliverEvent(sub: Subscription, event: ChannelEvent): void {
    this.#emit(sub, event)
    if (event.type !== 'unsubscribed') return
    this.#subs.delete(sub.channel)
    this.#hub.unsubscribe(sub).catch((err: unknown) => {
      this.#log.error({ err, channel: sub.channel }, 'unsubscribe failed')
    })
  }

  #emit(sub: Subscription, event: ChannelEvent): void {
    const entry = this.#subs.get(sub.channel)
    if (entry === undefined) return
    try {
      entry.listener(event)
    } catch (err) {
      this.#log.error({ err, channel: sub.channel }, 'session listener threw')
    }
  }

  #assertOpen(): void {
    if (this.#isClosed) throw new Error('session is closed')
  }
}

export const createLocalSession = (hub: Hub, log: Logger, member: Member): LocalSession =>
  new ServerSession(hub, log, member)
