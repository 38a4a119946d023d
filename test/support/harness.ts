/**
 * One hubbub server per test over loopback, and the clients a test opened, ended after it.
 *
 *     const { start, url, connect, track } = useServer({ pingIntervalMs: 100 })
 *     const hubbub = await start({ maxConnections: 2 }) // { port: 0, ...defaults, ...options }
 *     const alice = await connect('Alice')
 *     const ws = track(new WebSocket(url('/echo')))
 *
 * Call `useServer` once at the top level of a test file: it registers the `afterEach` that ends
 * every tracked client, then closes the server the test started (if any).
 */
import { afterEach } from 'vitest'
import WebSocket from 'ws'
import {
  createServer,
  type App,
  type HubbubServer,
  type ServerOptions,
} from '../../src/server/index.js'
import { TestClient } from './protocol-client.js'

/**
 * What `track` ends after the test: a `ws` socket (terminated), a {@link TestClient} (terminated,
 * or closed with `graceful`), or anything with `destroy()`: a RawSocket, a RawProtocolClient.
 */
export type Tracked = WebSocket | TestClient | { destroy(): void }

/** A plain text endpoint at `/echo` that answers each message with `Echo: <message>`. */
export const echoApp: App = {
  name: 't',
  setup(hub) {
    hub.text('/echo', (connection) => {
      connection.on('message', (message) => {
        connection.send(`Echo: ${message}`)
      })
    })
  },
}

export interface ServerHarness {
  /** Starts a server with `{ port: 0, ...defaults, ...options }`; it is closed after the test. */
  start: (options?: ServerOptions) => Promise<HubbubServer>
  /** `ws://localhost:<port><path>` of the server started last. */
  url: (path?: string) => string
  /** Connects a tracked {@link TestClient} to `url()`, sending `connect` with `name` and `extra`. */
  connect: (name?: string, extra?: Record<string, unknown>) => Promise<TestClient>
  /** Ends `thing` after the test (terminates a socket, destroys a raw one); returns it. */
  track: <T extends Tracked>(thing: T) => T
}

export interface HarnessOptions {
  /**
   * End tracked TestClients with a close handshake, awaited, rather than terminating them.
   * Other tracked things are still terminated or destroyed.
   */
  graceful?: boolean
}

export const useServer = (
  defaults: ServerOptions = {},
  { graceful = false }: HarnessOptions = {},
): ServerHarness => {
  let server: HubbubServer | undefined
  const tracked: Tracked[] = []

  const end = async (thing: Tracked): Promise<void> => {
    if (thing instanceof TestClient) {
      if (graceful) await thing.close()
      else thing.ws.terminate()
    } else if (thing instanceof WebSocket) thing.terminate()
    else thing.destroy()
  }

  afterEach(async () => {
    await Promise.all(tracked.splice(0).map(end))
    await server?.close()
    server = undefined
  })

  const url = (path = '/'): string => {
    if (server === undefined) throw new Error('no server started')
    return `ws://localhost:${server.port}${path}`
  }

  const track = <T extends Tracked>(thing: T): T => {
    tracked.push(thing)
    return thing
  }

  return {
    start: async (options = {}) => {
      server = await createServer({ port: 0, ...defaults, ...options })
      return server
    },
    url,
    connect: async (name = 'Tester', extra = {}) =>
      track(await TestClient.connect(url(), name, extra)),
    track,
  }
}
