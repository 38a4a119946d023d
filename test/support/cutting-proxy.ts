/**
 * A TCP proxy in front of a hubbub port, for tests of what a client does when the network fails
 * under it: `cut()` drops every current connection at once without a WebSocket close frame (as a
 * pulled cable or a NAT timeout does), `stall()` keeps connections open but stops forwarding (a
 * silent dead link), and the accept mode decides what happens to new connections (forwarded,
 * dropped at once, or held open and never forwarded).
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

/** What the proxy does with a connection it accepts. */
export type AcceptMode =
  /** Forward it to the target. */
  | 'forward'
  /** Drop it at once, as if the server were down. */
  | 'refuse'
  /** Keep it open and forward nothing: the WebSocket handshake never completes. */
  | 'blackhole'

/** A direction of a proxied connection. */
export type Direction = 'toServer' | 'toClient' | 'both'

export interface CuttingProxy {
  /** The port clients connect to. */
  readonly port: number
  /** Connections accepted since the proxy started, whatever became of them. */
  readonly acceptedCount: number
  /** Connections open right now (through the proxy, or held by it). */
  readonly openCount: number
  /** What happens to connections accepted from now on. @default 'forward' */
  mode: AcceptMode
  /** Destroys both sides of every open connection; returns how many it cut. */
  cut(): number
  /** Open connections stop forwarding in `direction` (the bytes are read and dropped) but stay open. */
  stall(direction?: Direction): number
  /** Resolves when the proxy has accepted more than `count` connections in all. */
  acceptedMoreThan(count: number): Promise<void>
  /** Cuts every connection and stops listening. */
  close(): Promise<void>
}

interface Pair {
  readonly client: Socket
  /** Undefined while the connection is refused or held. */
  readonly upstream: Socket | undefined
  isStalledToServer: boolean
  isStalledToClient: boolean
}

/**
 * Forwards `from` to `to` unless the pair stalls that direction, with backpressure: `from` pauses
 * while `to` is full.
 */
const forward = (from: Socket, to: Socket, isStalled: () => boolean): void => {
  from.on('data', (chunk: Buffer) => {
    if (isStalled() || to.destroyed) return
    if (!to.write(chunk)) {
      from.pause()
      to.once('drain', () => from.resume())
    }
  })
  from.on('end', () => {
    if (!isStalled()) to.end()
  })
}

/** Starts a proxy on a free loopback port forwarding to `targetPort` on loopback. */
export const createCuttingProxy = async (targetPort: number): Promise<CuttingProxy> => {
  const pairs = new Set<Pair>()
  const waiters = new Set<() => void>()
  let acceptedCount = 0
  let mode: AcceptMode = 'forward'

  const destroy = (pair: Pair): void => {
    pairs.delete(pair)
    pair.client.destroy()
    pair.upstream?.destroy()
  }

  const server: Server = createServer((client) => {
    acceptedCount++
    for (const waiter of [...waiters]) waiter()
    // Resets and aborted writes are what cutting does; each socket's end shows in 'close'.
    client.on('error', () => undefined)
    if (mode === 'refuse') {
      client.destroy()
      return
    }
    const upstream = mode === 'forward' ? connect(targetPort, '127.0.0.1') : undefined
    const pair: Pair = { client, upstream, isStalledToServer: false, isStalledToClient: false }
    pairs.add(pair)
    client.on('close', () => {
      destroy(pair)
    })
    if (upstream === undefined) {
      // Held: read and drop, so the client's handshake is sent and never answered.
      client.resume()
      return
    }
    upstream.on('error', () => undefined)
    upstream.on('close', () => {
      destroy(pair)
    })
    forward(client, upstream, () => pair.isStalledToServer)
    forward(upstream, client, () => pair.isStalledToClient)
  })

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      if (typeof address !== 'object' || address === null) {
        reject(new Error('the proxy has no port'))
        return
      }
      resolve(address.port)
    })
  })

  const cutAll = (): number => {
    const count = pairs.size
    for (const pair of [...pairs]) destroy(pair)
    return count
  }

  return {
    port,
    get acceptedCount() {
      return acceptedCount
    },
    get openCount() {
      return pairs.size
    },
    get mode() {
      return mode
    },
    set mode(next: AcceptMode) {
      mode = next
    },
    cut: cutAll,
    stall(direction = 'both') {
      for (const pair of pairs) {
        if (direction !== 'toClient') pair.isStalledToServer = true
        if (direction !== 'toServer') pair.isStalledToClient = true
      }
      return pairs.size
    },
    acceptedMoreThan(count) {
      if (acceptedCount > count) return Promise.resolve()
      return new Promise((resolve) => {
        const waiter = (): void => {
          if (acceptedCount <= count) return
          waiters.delete(waiter)
          resolve()
        }
        waiters.add(waiter)
      })
    },
    close() {
      mode = 'refuse'
      cutAll()
      return new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err === undefined) resolve()
          else reject(err)
        })
      })
    },
  }
}
