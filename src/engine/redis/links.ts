/**
 * The Redis engine's two connections: one for commands, one that only listens (pub/sub), and a
 * watchdog over both. node-redis reconnects a connection that closes, but a partition closes
 * nothing: packets just stop. So the commands connection is PINGed every heartbeat, and the
 * listener hears a heartbeat the node publishes to itself; a connection that has heard nothing for
 * three heartbeats is replaced by a new one (the listener's with every subscription made again),
 * and `onListenerReplaced` lets the engine heal what pub/sub lost meanwhile.
 */
import { randomBytes } from 'node:crypto'
import { createClient, type RedisClientType } from '@redis/client'

export interface LinkOptions {
  url: string
  commandTimeoutMs: number
  connectTimeoutMs: number
  heartbeatMs: number
  /** Prefix of the heartbeat topic. */
  prefix: string
  /** Every message on a subscribed topic. */
  onMessage: (message: string, topic: string) => void
  /** The listener connected again (by itself or replaced): messages may have been lost. */
  onListenerReconnected: () => void
  /**
   * The commands connection is ready (first, again, or replaced); whatever this sends goes before
   * any other command on it.
   */
  onCommandsReady: (client: RedisClientType) => Promise<unknown>
  onError: (error: Error) => void
}

/** Reconnects after 50 ms, doubling to at most 1 s. */
const reconnectDelayMs = (retries: number): number => Math.min(50 * 2 ** retries, 1_000)

const messageOf = (cause: unknown): string =>
  cause instanceof Error ? cause.message || cause.name : String(cause)

export class RedisLinks {
  readonly #options: LinkOptions
  readonly #beatTopic: string
  readonly #topics = new Set<string>()
  #commands: RedisClientType
  #listener: RedisClientType
  #heardAt = 0
  #answeredAt = 0
  #timer: NodeJS.Timeout | undefined
  #isReplacing = false
  #isClosed = false
  #isStarted = false

  constructor(options: LinkOptions) {
    this.#options = options
    this.#beatTopic = `${options.prefix}:beat:${randomBytes(8).toString('base64url')}`
    this.#commands = this.#makeCommands()
    this.#listener = this.#makeListener()
  }

  /** The connection for commands; replaced when it dies, so read it for each command. */
  get commands(): RedisClientType {
    return this.#commands
  }

  /**
   * One round trip on each connection: a PING on the commands connection, and (when the listener
   * is connected) whether it heard the node's own heartbeat within three heartbeats. Rejects with
   * what is wrong. Commands fail at once without a connection (no offline queue).
   */
  async ping(): Promise<void> {
    if (this.#isClosed) throw new Error('the connections to Redis are closed')
    if (!this.#listener.isReady) throw new Error('the pub/sub connection to Redis is down')
    if (performance.now() - this.#heardAt > 3 * this.#options.heartbeatMs)
      throw new Error('the pub/sub connection to Redis hears nothing')
    await this.#commands.ping()
  }

  /** Connects both; rejects when Redis cannot be reached. */
  async start(): Promise<void> {
    await Promise.all([this.#commands.connect(), this.#listener.connect()])
    await this.#listener.subscribe(this.#beatTopic, this.#onMessage)
    this.#isStarted = true
    this.#heardAt = this.#answeredAt = performance.now()
    this.#timer = setInterval(() => {
      this.#beat()
    }, this.#options.heartbeatMs)
    this.#timer.unref()
  }

  async subscribe(topic: string): Promise<void> {
    this.#topics.add(topic)
    const listener = this.#listener
    await listener.subscribe(topic, this.#onMessage)
    // Replaced meanwhile, after the new one subscribed its topics: subscribe there too.
    if (this.#listener !== listener && this.#topics.has(topic))
      await this.#listener.subscribe(topic, this.#onMessage)
  }

  async unsubscribe(topic: string): Promise<void> {
    this.#topics.delete(topic)
    await this.#listener.unsubscribe(topic)
  }

  async close(): Promise<void> {
    if (this.#isClosed) return
    this.#isClosed = true
    clearInterval(this.#timer)
    // A graceful close waits for replies; a Redis that stopped answering gets no longer than a
    // command timeout.
    const clients = [this.#commands, this.#listener]
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled(clients.map((client) => client.close())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.commandTimeoutMs)
      }),
    ])
    clearTimeout(timer)
    for (const client of clients) if (client.isOpen) client.destroy()
  }

  /** Destroys both connections without waiting (start failed). */
  destroy(): void {
    this.#isClosed = true
    for (const client of [this.#commands, this.#listener]) if (client.isOpen) client.destroy()
  }

  /** Before start succeeded, its rejection says what went wrong: nothing to report twice. */
  readonly #onClientError = (error: Error): void => {
    if (this.#isStarted) this.#options.onError(error)
  }

  readonly #onMessage = (message: string, topic: string): void => {
    this.#heardAt = performance.now()
    if (topic !== this.#beatTopic) this.#options.onMessage(message, topic)
  }

  #socketOptions() {
    return {
      connectTimeout: this.#options.connectTimeoutMs,
      // Before start succeeded, the first failure is the answer: `hubbub serve` says it and exits,
      // rather than retrying forever in silence. Afterwards, a lost connection is made again.
      reconnectStrategy: (retries: number, cause: unknown): number | Error =>
        this.#isStarted ? reconnectDelayMs(retries) : new Error(messageOf(cause)),
    }
  }

  #makeCommands(): RedisClientType {
    const client = createClient({
      url: this.#options.url,
      socket: this.#socketOptions(),
      // Without a connection, commands fail at once instead of queueing up.
      disableOfflineQueue: true,
      commandOptions: { timeout: this.#options.commandTimeoutMs, rejectInFlight: true },
      pingInterval: this.#options.heartbeatMs,
    }) as RedisClientType
    client.on('error', this.#onClientError)
    client.on('ping-interval', () => {
      this.#answeredAt = performance.now()
    })
    client.on('ready', () => {
      this.#options.onCommandsReady(client).catch(this.#onClientError)
    })
    return client
  }

  #makeListener(): RedisClientType {
    const client = createClient({
      url: this.#options.url,
      socket: this.#socketOptions(),
    }) as RedisClientType
    client.on('error', this.#onClientError)
    let isFirst = true
    client.on('ready', () => {
      this.#heardAt = performance.now()
      // node-redis subscribes again by itself on a reconnect.
      if (!isFirst) this.#options.onListenerReconnected()
      isFirst = false
    })
    return client
  }

  /** Publishes the heartbeat, and replaces a connection that heard nothing for three. */
  #beat(): void {
    const commands = this.#commands
    if (commands.isReady)
      void commands.publish(this.#beatTopic, '').catch(() => {
        // A failed heartbeat shows as silence; the command error is not news.
      })
    const silentMs = 3 * this.#options.heartbeatMs
    const now = performance.now()
    if (this.#isReplacing) return
    // A connection node-redis knows is down is already being made again; a silent one that
    // looks ready is what a partition leaves behind.
    if (now - this.#answeredAt > silentMs && commands.isReady) void this.#replace('commands')
    else if (now - this.#heardAt > silentMs && this.#listener.isReady && commands.isReady)
      void this.#replace('listener')
  }

  async #replace(which: 'commands' | 'listener'): Promise<void> {
    this.#isReplacing = true
    const fresh = which === 'commands' ? this.#makeCommands() : this.#makeListener()
    try {
      await fresh.connect()
      if (which === 'listener')
        await fresh.subscribe([this.#beatTopic, ...this.#topics], this.#onMessage)
    } catch (error) {
      if (fresh.isOpen) fresh.destroy()
      this.#options.onError(
        new Error(`could not replace the silent ${which} connection to Redis`, { cause: error }),
      )
      // Counted from now: the next try waits another three heartbeats.
      if (which === 'commands') this.#answeredAt = performance.now()
      else this.#heardAt = performance.now()
      this.#isReplacing = false
      return
    }
    if (this.#isClosed) {
      fresh.destroy()
      return
    }
    const stale = which === 'commands' ? this.#commands : this.#listener
    if (which === 'commands') {
      this.#commands = fresh
      this.#answeredAt = performance.now()
    } else {
      this.#listener = fresh
      this.#heardAt = performance.now()
    }
    stale.destroy()
    this.#isReplacing = false
    this.#options.onError(new Error(`replaced the silent ${which} connection to Redis`))
    if (which === 'listener') this.#options.onListenerReconnected()
  }
}
