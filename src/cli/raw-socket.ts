/** A plain WebSocket for `hubbub connect`: opened, or one line saying why not. */
import WebSocket from 'ws'
import { Failure } from './failure.js'
import { describeReachError } from './reach-error.js'

/** How long opening may take. */
const OPEN_TIMEOUT_MS = 10_000

/**
 * Opens a WebSocket to `url`, offering `subprotocols` (none when empty), and resolves once it is
 * open. Rejects with a {@link Failure} (`cannot reach <url>: …`) when it cannot be opened; `hint`
 * is what to check when the server answers with plain HTTP.
 */
export const openRawSocket = async (
  url: string,
  subprotocols: readonly string[],
  hint?: string,
): Promise<WebSocket> => {
  let socket: WebSocket
  try {
    socket = new WebSocket(url, [...subprotocols], { handshakeTimeout: OPEN_TIMEOUT_MS })
  } catch (error) {
    // ws checks the URL and the subprotocols before connecting.
    if (error instanceof SyntaxError)
      throw new Failure(`cannot connect to ${url}: ${error.message}`)
    throw error
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.off('open', onOpen)
      reject(new Failure(describeReachError(url, error, error.message, hint)))
    }
    const onOpen = (): void => {
      socket.off('error', onError)
      resolve()
    }
    socket.once('error', onError)
    socket.once('open', onOpen)
  })
  return socket
}

/** Whether a close code means the conversation ended normally (or the server went away on purpose). */
export const isNormalClose = (code: number): boolean =>
  code === 1000 || code === 1001 || code === 1005
