import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'
import type { Transport, TransportHandlers } from './transport.js'
import { clipReason } from './errors.js'
import { FrameQueue, type FrameScheduler } from './frame-writer.js'
import type { NodeCounters } from './metrics/node-counters.js'

/** How long a closing socket may take to answer our close frame before it is destroyed. */
const closeGraceMs = 2_000

/**
 * The `ws` release this adapter was checked against. Text frames bypass `ws`'s `Sender`: they are
 * framed by {@link FrameScheduler} and written to the `net.Socket` that the HTTP upgrade handed
 * over, while `ws` still writes its control frames (ping, pong, close) to that same socket. That
 * is safe because, with `perMessageDeflate` off and no Blob payloads, `ws` writes every frame to
 * the socket synchronously and whole: frames from both never interleave mid-frame, and nothing
 * waits in `ws`'s own buffer (so the socket's `writableLength` is all that is buffered). A test
 * (test/transport.test.ts) fails when the installed `ws` is another version, so that an upgrade
 * re-checks this.
 */
export const verifiedWsVersion = '8.23.0'

/**
 * The server's WebSocket class (`WebSocketServer`'s `WebSocket` option): it writes the frames
 * queued this turn before any close frame, whoever started the close (`ws` answers a peer's close
 * frame by calling `close` on the instance), so a reply to a message that arrived just before the
 * peer's close frame still reaches the peer.
 */
export class QueuedWebSocket extends WebSocket {
  frameQueue: FrameQueue | undefined

  override close(code?: number, data?: string | Buffer): void {
    this.frameQueue?.flushNow()
    super.close(code, data)
  }
}

/** The message counters every transport of a server adds to. */
export type TrafficCounters = Pick<NodeCounters, 'messagesIn' | 'messagesOut' | 'bytesIn'>

/**
 * A {@link Transport} over a `ws` WebSocket. `socket` is the `net.Socket` the HTTP upgrade handed
 * over; text frames are queued for the turn and written by the scheduler.
 */
class WsTransport implements Transport {
  readonly #ws: QueuedWebSocket
  readonly #socket: Duplex
  readonly #queue: FrameQueue
  readonly #counters: TrafficCounters
  #handlers: TransportHandlers | undefined
  #isClosing = false

  constructor(
    ws: QueuedWebSocket,
    socket: Duplex,
    scheduler: FrameScheduler,
    counters: TrafficCounters,
  ) {
    this.#ws = ws
    this.#socket = socket
    this.#counters = counters
    this.#queue = new FrameQueue(scheduler, socket, ws)
    ws.frameQueue = this.#queue
  }

  send(data: Buffer | string): void {
    if (this.#ws.readyState !== 1) return // OPEN
    this.#counters.messagesOut += 1
    this.#queue.push(typeof data === 'string' ? Buffer.from(data) : data)
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength + this.#queue.queuedBytes
  }

  enableBatching(): void {
    this.#queue.isBatch = true
  }

  close(code: number, reason: string): void {
    if (this.#isClosing) return
    this.#isClosing = true
    const ws = this.#ws // its close() writes what was queued first
    ws.close(code, clipReason(reason))
    // ws waits 30 s for a dead peer's close frame; a peer we are dropping gets far less.
    setTimeout(() => {
      ws.terminate()
    }, closeGraceMs).unref()
  }

  ping(): void {
    if (this.#ws.readyState === 1) this.#ws.ping()
  }

  /** The socket's events, from the shared listeners below. */
  received(data: Buffer, isBinary: boolean): void {
    this.#counters.messagesIn += 1
    this.#counters.bytesIn += data.length
    this.#handlers?.message(data, isBinary)
  }

  closed(code: number, reason: Buffer): void {
    this.#handlers?.close(code, reason.toString())
  }

  ponged(): void {
    this.#handlers?.pong()
  }

  pinged(): void {
    this.#handlers?.ping()
  }

  failed(err: Error): void {
    this.#handlers?.error(err)
  }

  listen(handlers: TransportHandlers): void {
    const ws = this.#ws
    this.#handlers = handlers
    listeners.set(ws, this)
    ws.on('message', onMessage)
    ws.on('close', onClose) // ws emits it once
    ws.on('pong', onPong)
    ws.on('ping', onPing)
    // Errors (a reset peer, an oversized frame) are followed by 'close', which does the cleanup.
    ws.on('error', onError)
    this.#queue.listener = handlers
  }
}

// The listeners every socket shares (`this` is the socket that emitted), so that an idle
// connection holds no closures for them; each socket's handlers are found here.
const listeners = new WeakMap<WebSocket, WsTransport>()
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  listeners.get(this)?.received(data, isBinary)
}
function onClose(this: WebSocket, code: number, reason: Buffer): void {
  listeners.get(this)?.closed(code, reason)
}
function onPong(this: WebSocket): void {
  listeners.get(this)?.ponged()
}
function onPing(this: WebSocket): void {
  listeners.get(this)?.pinged()
}
function onError(this: WebSocket, err: Error): void {
  listeners.get(this)?.failed(err)
}

export const createWsTransport = (
  ws: QueuedWebSocket,
  socket: Duplex,
  scheduler: FrameScheduler,
  counters: TrafficCounters,
): Transport => new WsTransport(ws, socket, scheduler, counters)
