/** The generator's WebSocket connections (the `ws` client), one kind for every target. */
import WebSocket from 'ws'

const closedHere = new WeakSet()

/** Closes `ws` at once (no closing handshake); its `onClose` is not called. */
export const terminate = (ws) => {
  closedHere.add(ws)
  ws.terminate()
}

/**
 * Opens `url` from `localAddress` (127.0.0.2, 127.0.0.3…: the targets may limit connections per
 * source address) and resolves with the socket once it is open. `onMessage(ws, buf)` gets every
 * message as a Buffer, `onClose(code)` the close of an open socket unless {@link terminate}d. The socket is in `sockets`
 * until it closes, for cleanup.
 */
export const openSocket = (url, { localAddress, protocol, sockets, onMessage, onClose }) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol, {
      localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 10_000,
    })
    let isOpen = false
    sockets.add(ws)
    ws.on('message', (buf) => onMessage(ws, buf))
    ws.once('open', () => {
      isOpen = true
      resolve(ws)
    })
    ws.on('error', reject) // before open; later errors are followed by close
    ws.once('close', (code) => {
      sockets.delete(ws)
      if (isOpen && !closedHere.has(ws)) onClose(code)
      else reject(new Error(`closed ${code} before opening`))
    })
  })

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
