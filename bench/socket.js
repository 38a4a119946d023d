/**
 * The generator's WebSocket connections, one kind for every target: the minimal client of
 * raw-ws.js, which reads frames in place (the generator's receive path is what limits it).
 */
import { connectRawWebSocket } from './raw-ws.js'

export { readAt } from './raw-ws.js'

const closedHere = new WeakSet()

/** Closes `ws` at once (no closing handshake); its `onClose` is not called. */
export const terminate = (ws) => {
  closedHere.add(ws)
  ws.terminate()
}

/**
 * Opens `url` from `localAddress` (127.0.0.2, 127.0.0.3…: the targets may limit connections per
 * source address), asking for the subprotocol `protocol` if given, and resolves with the socket
 * (`send(data, isBinary)`, `close(code)`, `terminate()`) once it is open, or rejects when the
 * upgrade fails or takes past 10 s. `onMessage(ws, buf, from, to)` gets every message's payload
 * in place, `buf[from, to)`, valid during the call only (copy what must outlive it);
 * `onClose(code)` the close of an open socket unless {@link terminate}d. The socket is in
 * `sockets` until it closes, for cleanup.
 */
export const openSocket = async (url, { localAddress, protocol, sockets, onMessage, onClose }) => {
  // While the upgrade is under way, `sockets` holds a stand-in whose terminate() aborts it.
  const opening = { terminate: () => undefined }
  sockets.add(opening)
  let ws
  try {
    ws = await connectRawWebSocket(url, {
      localAddress,
      protocol,
      timeoutMs: 10_000,
      onOpening: (abort) => {
        opening.terminate = abort
      },
      onMessage,
      onClose: (code) => {
        sockets.delete(ws)
        if (!closedHere.has(ws)) onClose(code)
      },
    })
  } finally {
    sockets.delete(opening)
  }
  sockets.add(ws)
  return ws
}

/**
 * A promise with its settle functions, and a timeout that rejects it: setup steps wait for one
 * answer of the target.
 */
export const deferred = (timeoutMs, what) => {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs)
  void promise.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  )
  return { promise, resolve, reject }
}
