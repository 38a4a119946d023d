/**
 * Helpers for tests of the client SDK over loopback: servers, proxies and clients closed after
 * each test, awaiting the SDK's typed events with a deadline, and recording what a subscription
 * delivers.
 */
import type { Pub } from '../../src/protocol/index.js'
import {
  connect,
  type Client,
  type ClientEvents,
  type ClientOptions,
  type Subscription,
  type SubscriptionEvents,
} from '../../src/client/node.js'
import { createServer, type HubbubServer, type ServerOptions } from '../../src/server/index.js'
import { createCuttingProxy, type CuttingProxy } from './cutting-proxy.js'

/** What a test started, to be released after it (call `cleanUp` in `afterEach`). */
export interface Harness {
  /** Starts a server on a free port (or `options.port`). */
  server(options?: ServerOptions): Promise<HubbubServer>
  /** Starts a cutting proxy in front of `port`. */
  proxy(port: number): Promise<CuttingProxy>
  /** A client of `ws://127.0.0.1:<port>/`; it starts connecting at once. */
  client(port: number, options?: ClientOptions): Client
  /** Closes every client, then every proxy, then every server still open. */
  cleanUp(): Promise<void>
}

export const createHarness = (): Harness => {
  const servers: HubbubServer[] = []
  const proxies: CuttingProxy[] = []
  const clients: Client[] = []
  return {
    async server(options = {}) {
      const server = await createServer({ port: 0, ...options })
      servers.push(server)
      return server
    },
    async proxy(port) {
      const proxy = await createCuttingProxy(port)
      proxies.push(proxy)
      return proxy
    },
    client(port, options = {}) {
      const client = connect(`ws://127.0.0.1:${port}/`, options)
      clients.push(client)
      return client
    },
    async cleanUp() {
      for (const client of clients.splice(0)) client.close()
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
      // close() returns the same promise when called again, so closing a closed server is fine.
      await Promise.all(servers.splice(0).map((server) => server.close()))
    },
  }
}

/** The events map of a client or a subscription. */
export type EventsOf<S> = S extends Client
  ? ClientEvents
  : S extends Subscription
    ? SubscriptionEvents
    : never

/**
 * The next `event` from `source` that `match` accepts. Register it before doing what causes the
 * event. Rejects, naming the event, when none comes within `timeoutMs`.
 */
export const nextEvent = <S extends Client | Subscription, E extends keyof EventsOf<S>>(
  source: S,
  event: E,
  match: (value: EventsOf<S>[E]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<EventsOf<S>[E]> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no "${String(event)}" event within ${timeoutMs} ms`))
    }, timeoutMs)
    // Both classes have this shape; TypeScript cannot call a method through a union of generics.
    const emitter = source as unknown as {
      on(event: E, listener: (value: EventsOf<S>[E]) => void): () => void
    }
    const off = emitter.on(event, (value) => {
      if (!match(value)) return
      clearTimeout(timer)
      off()
      resolve(value)
    })
  })

/** Every `message` a subscription delivers, in order, with a way to await more. */
export class Received {
  readonly pubs: Pub[] = []
  readonly #waiters = new Set<() => void>()
  readonly off: () => void

  constructor(sub: Subscription) {
    this.off = sub.on('message', (pub) => {
      this.pubs.push(pub)
      for (const waiter of [...this.#waiters]) waiter()
    })
  }

  get seqs(): number[] {
    return this.pubs.map((pub) => pub.seq)
  }

  get data(): unknown[] {
    return this.pubs.map((pub) => pub.data)
  }

  /** Resolves once `done` holds for what was received; rejects after `timeoutMs`. */
  until(done: (pubs: readonly Pub[]) => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (done(this.pubs)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        const last = this.pubs.at(-1)
        reject(
          new Error(
            `${what}: not within ${timeoutMs} ms (${this.pubs.length} received, the last seq ${String(last?.seq)})`,
          ),
        )
      }, timeoutMs)
      const waiter = (): void => {
        if (!done(this.pubs)) return
        clearTimeout(timer)
        this.#waiters.delete(waiter)
        resolve()
      }
      this.#waiters.add(waiter)
    })
  }

  /** Resolves once `count` publications in all were received. */
  count(count: number, timeoutMs?: number): Promise<void> {
    return this.until((pubs) => pubs.length >= count, `${count} publications`, timeoutMs)
  }
}

/** `[from, from + 1, …, to]`. */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
