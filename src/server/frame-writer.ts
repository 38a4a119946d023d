import type { Duplex } from 'node:stream'

/**
 * The outgoing hot path (DESIGN.md §6). Each socket queues the payloads sent to it during an
 * event-loop turn; one `setImmediate` then turns every socket's queue into raw WebSocket frames
 * and hands them to the kernel in ONE `socket.write` per socket. Server-to-client frames are not
 * masked, so the bytes for a given sequence of payloads are the same for every recipient: a
 * publication fanned out to 1,000 sockets that all received the same payloads this turn is framed
 * and copied once, and the same Buffer is written to each socket.
 *
 * A socket that negotiated batching (`connect` with `batch: true`) gets the turn's payloads
 * packed into one text message, newline-separated (JSON text never holds a raw newline), up to
 * `maxBatchBytes` per message; other sockets get one message per payload, as with `ws.send`.
 *
 * After the turn's write, a socket that still holds more than `maxBufferedBytes` is reported
 * (`overflow`): the hard cap is judged once the turn's bytes were offered to the kernel, so a
 * client that reads promptly is never taken for a slow one.
 *
 * Payloads must never be mutated once queued: they are shared between sockets until written.
 */
export class FrameScheduler {
  readonly #maxBatchBytes: number
  readonly #maxBufferedBytes: number
  readonly #counters: { bytesOut: number }
  #dirty: FrameQueue[] = []
  #spare: FrameQueue[] = []
  /** Recently framed payload sequences of this flush, newest first. */
  #memo: Framed[] = []
  readonly #flushAll = (): void => {
    const dirty = this.#dirty
    this.#dirty = this.#spare
    let writtenBytes = 0
    let i = 0
    while (i < dirty.length && writtenBytes < flushSliceBytes)
      writtenBytes += this.#write(dirty[i++] as FrameQueue, true)
    if (i < dirty.length) {
      // A big turn (a large publication to many sockets) is written in slices, letting the
      // event loop read sockets in between: requests are not held up behind megabytes of copies.
      // The rest goes first in the next flush, ahead of queues dirtied meanwhile.
      const rest = dirty.slice(i)
      if (this.#dirty.length === 0) setImmediate(this.#flushAll)
      rest.push(...this.#dirty)
      this.#dirty = rest
    }
    dirty.length = 0
    this.#spare = dirty
    this.#memo.length = 0
    this.#counters.bytesOut += writtenBytes
  }

  /**
   * @param maxBatchBytes Largest packed message for batching sockets; 0 never packs.
   * @param maxBufferedBytes Bytes a socket may hold after a turn's write before `overflow`.
   * @param counters Where the bytes written are added up, once per flush.
   */
  constructor(maxBatchBytes: number, maxBufferedBytes: number, counters: { bytesOut: number }) {
    this.#maxBatchBytes = maxBatchBytes
    this.#maxBufferedBytes = maxBufferedBytes
    this.#counters = counters
  }

  /** Called by a queue on its first payload of a turn. */
  schedule(queue: FrameQueue): void {
    if (this.#dirty.length === 0) setImmediate(this.#flushAll)
    this.#dirty.push(queue)
  }

  /** Writes a queue's payloads now (before a close frame, say), or drops them if it is closed. */
  flush(queue: FrameQueue): void {
    this.#counters.bytesOut += this.#write(queue, false)
  }

  /** `isTurnEnd`: the turn's flush, which also judges the hard cap. Returns the bytes written. */
  #write(queue: FrameQueue, isTurnEnd: boolean): number {
    const parts = queue.parts
    if (parts.length === 0) return 0
    const isBatch = queue.isBatch && this.#maxBatchBytes > 0
    const { socket } = queue
    const isOpen = queue.peer.readyState === OPEN && socket.writable
    const bytes = isOpen ? this.#frame(parts, isBatch) : undefined
    // The queue extends the socket's buffer: when the two held more than its high-water mark,
    // a 'drain' is owed once below it, even if the kernel took everything at once.
    const wasOver = queue.queuedBytes + socket.writableLength > socket.writableHighWaterMark
    parts.length = 0
    queue.queuedBytes = 0
    if (bytes === undefined) return 0
    if (!socket.write(bytes)) queue.awaitDrain()
    else if (wasOver)
      queueMicrotask(() => {
        queue.listener.drain()
      })
    if (isTurnEnd && socket.writableLength > this.#maxBufferedBytes)
      queueMicrotask(() => {
        queue.listener.overflow()
      })
    return bytes.length
  }

  #frame(parts: readonly Buffer[], isBatch: boolean): Buffer {
    for (const framed of this.#memo)
      if (framed.isBatch === isBatch && isSameSequence(framed.parts, parts)) return framed.bytes
    const bytes = isBatch ? packFrames(parts, this.#maxBatchBytes) : eachFrame(parts)
    if (this.#memo.length === memoSize) this.#memo.pop()
    this.#memo.unshift({ parts: parts.slice(), isBatch, bytes })
    return bytes
  }
}

/** What a queue tells its owner (see {@link FrameQueue.listener}). */
export interface QueueListener {
  /** The socket is below its high-water mark again after the queue and it were above. */
  drain(): void
  /** After the turn's write, the socket holds more than `maxBufferedBytes`. */
  overflow(): void
}

const noListener: QueueListener = { drain: () => undefined, overflow: () => undefined }
/** WebSocket `readyState` OPEN. */
const OPEN = 1

/**
 * Bytes one flush writes before it lets the event loop run (the rest waits one turn). About a
 * millisecond of copying: small enough that a request is never held behind a big fan-out, large
 * enough that small publications to thousands of sockets still go out in one turn.
 */
const flushSliceBytes = 1_048_576

/** How many distinct payload sequences one flush remembers (a channel's subscribers share one). */
const memoSize = 4

interface Framed {
  readonly parts: readonly Buffer[]
  readonly isBatch: boolean
  readonly bytes: Buffer
}

/** One socket's payloads queued this turn. */
export class FrameQueue {
  readonly socket: Duplex
  readonly parts: Buffer[] = []
  /** Bytes of `parts`, not yet framed or handed to the socket. */
  queuedBytes = 0
  /** Whether this socket takes several payloads per message (newline-separated). */
  isBatch = false
  /** The WebSocket: frames are written only while it is open. */
  readonly peer: { readonly readyState: number }
  /**
   * Told `drain` when the queue and the socket held more than the socket's high-water mark and
   * are below it again (after the socket's 'drain', or at once when the socket took it all), and
   * `overflow` when a turn's write left more than `maxBufferedBytes` in the socket.
   */
  listener: QueueListener = noListener
  /** A 'drain' listener is on the socket: added only when a write filled it (idle sockets have none). */
  #isAwaitingDrain = false
  readonly #scheduler: FrameScheduler

  constructor(scheduler: FrameScheduler, socket: Duplex, peer: { readonly readyState: number }) {
    this.#scheduler = scheduler
    this.socket = socket
    this.peer = peer
  }

  push(payload: Buffer): void {
    if (this.parts.length === 0) this.#scheduler.schedule(this)
    this.parts.push(payload)
    this.queuedBytes += payload.length
  }

  /** The socket's buffer is full: tell {@link listener} when it has drained. */
  awaitDrain(): void {
    if (this.#isAwaitingDrain) return
    this.#isAwaitingDrain = true
    this.socket.once('drain', () => {
      this.#isAwaitingDrain = false
      this.listener.drain()
    })
  }

  /** Writes what is queued now, ahead of the turn's flush. */
  flushNow(): void {
    this.#scheduler.flush(this)
  }
}

const isSameSequence = (a: readonly Buffer[], b: readonly Buffer[]): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const FIN_TEXT = 0x81
const NEWLINE = 0x0a

/** Bytes of the header of an unmasked frame with a payload of `length` bytes (RFC 6455 §5.2). */
export const headerBytes = (length: number): number => (length < 126 ? 2 : length < 65_536 ? 4 : 10)

/** Writes the header of an unmasked final text frame at `at`; returns where the payload starts. */
const writeHeader = (out: Buffer, at: number, length: number): number => {
  out[at] = FIN_TEXT
  if (length < 126) {
    out[at + 1] = length
    return at + 2
  }
  if (length < 65_536) {
    out[at + 1] = 126
    out.writeUInt16BE(length, at + 2)
    return at + 4
  }
  out[at + 1] = 127
  out.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2)
  out.writeUInt32BE(length >>> 0, at + 6)
  return at + 10
}

/** One text frame per payload, back to back. */
export const eachFrame = (parts: readonly Buffer[]): Buffer => {
  let size = 0
  for (const part of parts) size += headerBytes(part.length) + part.length
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const part of parts) {
    at = writeHeader(out, at, part.length)
    at += part.copy(out, at)
  }
  return out
}

/**
 * The payloads packed into as few text frames as possible, newline-separated, each frame's payload
 * at most `maxBytes` (a single larger payload gets a frame of its own).
 */
export const packFrames = (parts: readonly Buffer[], maxBytes: number): Buffer => {
  // Two passes: measure the frames, then write them into one buffer.
  const lengths: number[] = []
  let size = 0
  let current = -1
  for (const part of parts) {
    if (current >= 0 && current + 1 + part.length <= maxBytes) current += 1 + part.length
    else {
      if (current >= 0) lengths.push(current)
      current = part.length
    }
  }
  lengths.push(current)
  for (const length of lengths) size += headerBytes(length) + length
  const out = Buffer.allocUnsafe(size)
  let at = 0
  let i = 0
  for (const length of lengths) {
    at = writeHeader(out, at, length)
    const end = at + length
    const first = parts[i++] as Buffer
    at += first.copy(out, at)
    while (at < end) {
      out[at++] = NEWLINE
      at += (parts[i++] as Buffer).copy(out, at)
    }
  }
  return out
}
