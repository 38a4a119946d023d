/**
 * Opening an SDK client for a command: the first connection either succeeds or ends the command
 * with one line saying why; after that the SDK reconnects by itself and the command may report it.
 */
import WebSocket from 'ws'
import {
  connect,
  type Client,
  type ClientOptions,
  type WebSocketConstructor,
} from '../client/node.js'
import { Failure } from './failure.js'
import { describeReachError } from './reach-error.js'

/**
 * Reconnect delays of the command line tools are capped lower than the SDK's default (20 s): a
 * person waiting at a terminal for a restarted server should see it back within seconds.
 */
export const CLI_MAX_RECONNECT_DELAY_MS = 5_000

/** A `ws` WebSocket that hands every error it emits to `onError` (the SDK ignores them). */
const recordingWebSocket = (onError: (error: Error) => void): WebSocketConstructor => {
  class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols: string) {
      super(url, protocols)
      this.on('error', onError)
    }
  }
  return RecordingWebSocket as unknown as WebSocketConstructor
}

/** Why the server ended a client for good (close codes 4500-4999, or the client's own checks). */
export const describeClosed = ({ code, reason }: { code: number; reason: string }): string =>
  `the server closed the connection: ${reason === '' ? 'no reason given' : reason} (${code})`

/**
 * Connects to `url` and resolves once the first handshake is done. When that first attempt fails,
 * the client is closed and this rejects with a {@link Failure} such as `cannot reach
 * ws://localhost:8765: connection refused; is \`hubbub serve\` running?`.
 */
export const connectClient = async (url: string, options: ClientOptions): Promise<Client> => {
  let lastError: Error | undefined
  const client = connect(url, {
    maxReconnectDelayMs: CLI_MAX_RECONNECT_DELAY_MS,
    ...options,
    WebSocket: recordingWebSocket((error) => {
      lastError = error
    }),
  })
  await new Promise<void>((resolve, reject) => {
    const offs = [
      client.on('connected', () => {
        settle()
        resolve()
      }),
      client.on('disconnected', ({ reason }) => {
        settle()
        // On a later microtask: the SDK arms its reconnect timer right after emitting this event,
        // so a close() from inside the listener would not cancel it (an SDK bug).
        queueMicrotask(() => {
          client.close()
        })
        reject(
          new Failure(describeReachError(url, lastError, reason === '' ? 'no answer' : reason)),
        )
      }),
      client.on('closed', (closed) => {
        settle()
        reject(new Failure(describeClosed(closed)))
      }),
    ]
    const settle = (): void => {
      for (const off of offs) off()
    }
  })
  return client
}

/**
 * Connects as {@link connectClient} does, runs `use` with the client (a one-off read such as
 * `client.presence(channel)`), and closes the client, whatever `use` did.
 */
export const withClient = async <T>(
  url: string,
  options: ClientOptions,
  use: (client: Client) => Promise<T>,
): Promise<T> => {
  const client = await connectClient(url, options)
  try {
    return await use(client)
  } finally {
    client.close()
  }
}

/**
 * Calls `notify` once when the link drops (`connection lost (…); reconnecting…`) and once when it
 * is back (`reconnected`), however many attempts it takes. Returns the function that stops it.
 */
export const reportReconnects = (client: Client, notify: (text: string) => void): (() => void) => {
  let isOutage = false
  const offs = [
    client.on('disconnected', ({ code, reason }) => {
      if (isOutage) return
      isOutage = true
      notify(`connection lost (${describeDrop(code, reason)}); reconnecting…`)
    }),
    client.on('connected', () => {
      if (!isOutage) return
      isOutage = false
      notify('reconnected')
    }),
  ]
  return () => {
    for (const off of offs) off()
  }
}

const describeDrop = (code: number, reason: string): string => {
  if (code === 1001) return 'the server is shutting down'
  if (code === 1006) return 'the connection broke'
  return reason === '' ? `code ${code}` : `${reason}, code ${code}`
}

/**
 * Rejects with a {@link Failure} when the client is closed by anything but `client.close()` (the
 * server said not to come back); never resolves. Returns the promise and a function that stops
 * watching, to call before closing the client on purpose.
 */
export const whenClosedByServer = (
  client: Client,
): { closed: Promise<never>; stop: () => void } => {
  let off: () => void = () => undefined
  const closed = new Promise<never>((_resolve, reject) => {
    off = client.on('closed', (event) => {
      reject(new Failure(describeClosed(event)))
    })
  })
  return {
    closed,
    stop: () => {
      off()
    },
  }
}
