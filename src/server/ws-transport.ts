import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { Transport } from './transport.js'
import { clipReason } from './errors.js'

/**
 * Coalesces writes: the first send to a socket in an event-loop turn corks it, and one
 * `setImmediate` uncorks every socket corked in that turn, so a burst of frames costs one write
 * syscall per socket instead of one per frame (DESIGN.md §6). Not `process.nextTick`: that runs
 * after every I/O callback, so publications arriving in separate reads of one poll phase would
 * each cost a write per socket; `setImmediate` runs once the poll phase is done.
 */
export interface Corker {
  cork(socket: Duplex): void
}

export const createCorker = (): Corker => {
  const corked: Duplex[] = []
  const uncorkAll = (): void => {
    for (const socket of corked) socket.uncork()
    corked.length = 0
  }
  return {
    cork(socket) {
      if (socket.writableCorked > 0) return
      if (corked.length === 0) setImmediate(uncorkAll)
      socket.cork()
      corked.push(socket)
    },
  }
}

/** How long a closing socket may take to answer our close frame before it is destroyed. */
const closeGraceMs = 2_000

/**
 * A {@link Transport} over a `ws` WebSocket. `socket` is the `net.Socket` the HTTP upgrade handed
 * over; corking it directly needs no private `ws` API.
 */
/** Message counters shared by every transport of a server. */
export interface TrafficCounters {
  messagesIn: number
  messagesOut: number
}

export const createWsTransport = (
  ws: WebSocket,
  socket: Duplex,
  corker: Corker,
  counters: TrafficCounters,
): Transport => {
  let isClosing = false
  return {
    send(data) {
      if (ws.readyState !== ws.OPEN) return
      corker.cork(socket)
      counters.messagesOut += 1
      ws.send(data, { binary: false })
    },
    get bufferedBytes() {
      return ws.bufferedAmount
    },
    close(code, reason) {
      if (isClosing) return
      isClosing = true
      ws.close(code, clipReason(reason))
      // ws waits 30 s for a dead peer's close frame; a peer we are dropping gets far less.
      setTimeout(() => {
        ws.terminate()
      }, closeGraceMs).unref()
    },
    ping() {
      if (ws.readyState === ws.OPEN) ws.ping()
    },
    listen(handlers) {
      ws.on('message', (data: Buffer, isBinary) => {
        counters.messagesIn += 1
        handlers.message(data, isBinary)
      })
      ws.once('close', (code, reason) => {
        handlers.close(code, reason.toString())
      })
      ws.on('pong', () => {
        handlers.pong()
      })
      socket.on('drain', () => {
        handlers.drain()
      })
      // Errors (a reset peer, an oversized frame) are followed by 'close', which does the cleanup.
      ws.on('error', (err) => {
        handlers.error(err)
      })
    },
  }
}
