/**
 * A minimal WebSocket client (RFC 6455) over `net.Socket`, for the generator's connections: it
 * receives hundreds of thousands of messages a second, so every connection reads into one shared
 * buffer (`onread`: no Buffer per read, no stream machinery, no 'data' event), the frames are read
 * in place right away, and every complete text or binary message goes to
 * `onMessage(ws, buf, from, to)`, valid during the call only (`buf` is the shared buffer, or the
 * connection's carry buffer, which holds a frame split over reads). No Buffer, event or string
 * per message; no UTF-8 validation, no extensions.
 *
 * What it sends (text or binary messages, pong, close) is masked as a client must. A fragmented
 * message (continuation frames) is joined, with copies: correct, not fast; the targets do not
 * fragment. A ping is answered with a pong; a close with a close carrying its code, then the
 * connection ends and `onClose(code)` gets that code (1005 when it had none, 1006 when the
 * connection ended without a close).
 */
import { Buffer } from 'node:buffer'
import { createHash, randomBytes, randomFillSync } from 'node:crypto'
import net from 'node:net'
import tls from 'node:tls'
import { performance } from 'node:perf_hooks'
import { clearTimeout, setTimeout } from 'node:timers'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const MAX_HEADER = 14 // 2 + 8 (64-bit length) + 4 (mask, never from a server, tolerated)
const CARRY_BYTES = 4_096 // a carry buffer's first size; it grows for a larger frame

/** Where every connection's reads land (`onread`), read in place before the next read. */
const readBuffer = Buffer.allocUnsafe(64 * 1024)

const OP_CONTINUATION = 0x0
const OP_TEXT = 0x1
const OP_BINARY = 0x2
const OP_CLOSE = 0x8
const OP_PING = 0x9
const OP_PONG = 0xa

/**
 * When the bytes being read came (performance.now(), a live binding): the arrival time of every
 * message in one read, taken once a read instead of once a message.
 */
export let readAt = 0

/** Random masking keys, 4 bytes each, from a pool refilled when used up. */
const maskPool = Buffer.alloc(4 * 1024)
let maskAt = maskPool.length

/** One frame from the client: `payload` (Buffer) masked, with the FIN bit. */
const clientFrame = (opcode, payload) => {
  const length = payload.length
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8
  const head = 2 + lengthBytes + 4
  const frame = Buffer.allocUnsafe(head + length)
  frame[0] = 0x80 | opcode
  if (lengthBytes === 0) frame[1] = 0x80 | length
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  if (maskAt === maskPool.length) {
    randomFillSync(maskPool)
    maskAt = 0
  }
  maskPool.copy(frame, head - 4, maskAt, maskAt + 4)
  for (let i = 0; i < length; i++) frame[head + i] = payload[i] ^ maskPool[maskAt + (i & 3)]
  maskAt += 4
  return frame
}

/**
 * The total size of the frame starting at `at` (header and payload), or -1 when the header is
 * not complete before `end`.
 */
const frameSize = (buf, at, end) => {
  if (end - at < 2) return -1
  const second = buf[at + 1]
  const maskBytes = second & 0x80 ? 4 : 0
  const short = second & 0x7f
  if (short < 126) return 2 + maskBytes + short
  if (short === 126) return end - at < 4 ? -1 : 4 + maskBytes + ((buf[at + 2] << 8) | buf[at + 3])
  if (end - at < 10) return -1
  // 64-bit length: the high 32 bits must be 0 here (no frame past 4 GiB).
  const high = buf.readUInt32BE(at + 2)
  if (high !== 0) return Infinity
  return 10 + maskBytes + buf.readUInt32BE(at + 6)
}

/** One client connection, open; see {@link connectRawWebSocket}. */
export class RawWebSocket {
  /** The code of the close received, or 1006 while none came. */
  closeCode = 1006
  #socket
  #onMessage
  #onClose
  #carry = Buffer.allocUnsafe(0)
  #carryBytes = 0
  /** A fragmented message's pieces (copies), while its continuations come. */
  #fragments = undefined
  #isCloseSent = false
  /** A close came, or {@link terminate}: nothing more is read. */
  #isDone = false

  /** Reads from `socket` what it is given with {@link read} (see {@link connectRawWebSocket}). */
  constructor(socket, onMessage, onClose) {
    this.#socket = socket
    this.#onMessage = onMessage
    this.#onClose = onClose
    socket.once('close', () => this.#onClose(this.closeCode))
  }

  /** Sends a text message (a string), or a binary one with `isBinary` (string or Buffer). */
  send(data, isBinary = false) {
    const payload = typeof data === 'string' ? Buffer.from(data) : data
    this.#write(isBinary ? OP_BINARY : OP_TEXT, payload)
  }

  /** Starts the closing handshake with `code`; the server answers, then ends the connection. */
  close(code = 1000) {
    if (this.#isCloseSent) return
    this.#isCloseSent = true
    const payload = Buffer.allocUnsafe(2)
    payload.writeUInt16BE(code)
    this.#write(OP_CLOSE, payload)
  }

  /** Ends the connection at once, without a closing handshake. */
  terminate() {
    this.#isDone = true
    this.#socket.destroy()
  }

  #write(opcode, payload) {
    if (this.#socket.writable) this.#socket.write(clientFrame(opcode, payload))
  }

  /**
   * Reads the frames of `buf[start, end)`, what one read of the socket brought (not kept): the
   * one begun in the carry first, then the others in place.
   */
  read(buf, start = 0, end = buf.length) {
    if (this.#isDone) return
    readAt = performance.now()
    let at = start
    if (this.#carryBytes > 0) {
      at = this.#completeCarry(buf, start, end)
      if (at < 0) return
    }
    while (at < end && !this.#isDone) {
      const size = frameSize(buf, at, end)
      if (size < 0 || at + size > end) break
      this.#frame(buf, at, size)
      at += size
    }
    if (at < end && !this.#isDone) this.#keep(buf, at, end)
  }

  /**
   * Adds the start of `buf[start, end)` to the frame in the carry; reads the frame once complete
   * and returns where the rest begins, or -1 when all of it went to the carry.
   */
  #completeCarry(buf, start, end) {
    const had = this.#carryBytes
    let taken = Math.min(end - start, MAX_HEADER - had)
    if (taken > 0) this.#keep(buf, start, start + taken)
    const size = frameSize(this.#carry, 0, this.#carryBytes)
    if (size < 0) return -1 // still no complete header: all of it (< 14 bytes) is kept
    if (size === Infinity) return this.#fail()
    // Take back what went past the header, then what the frame needs.
    this.#carryBytes = had
    taken = Math.min(end - start, size - had)
    this.#keep(buf, start, start + taken, size)
    if (this.#carryBytes < size) return -1
    this.#carryBytes = 0
    this.#frame(this.#carry, 0, size)
    return this.#isDone ? -1 : start + taken
  }

  /** Appends `buf[from, to)` to the carry, growing it for at least `room` bytes in all. */
  #keep(buf, from, to, room = 0) {
    const needed = Math.max(room, this.#carryBytes + to - from)
    if (needed > this.#carry.length) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, CARRY_BYTES, 2 * this.#carry.length))
      this.#carry.copy(bigger, 0, 0, this.#carryBytes)
      this.#carry = bigger
    }
    buf.copy(this.#carry, this.#carryBytes, from, to)
    this.#carryBytes += to - from
  }

  /** A frame the client cannot read (past 4 GiB): the connection ends. */
  #fail() {
    this.#carryBytes = 0
    this.#socket.destroy()
    return -1
  }

  /** Handles the complete frame of `size` bytes at `at` in `buf`. */
  #frame(buf, at, size) {
    const first = buf[at]
    const second = buf[at + 1]
    const short = second & 0x7f
    let from = at + (short < 126 ? 2 : short === 126 ? 4 : 10)
    const to = at + size
    if (second & 0x80) {
      // Masked (a server must not, but it costs nothing to read).
      const mask = [buf[from], buf[from + 1], buf[from + 2], buf[from + 3]]
      from += 4
      for (let i = from; i < to; i++) buf[i] ^= mask[(i - from) & 3]
    }
    const opcode = first & 0x0f
    const isFin = (first & 0x80) !== 0
    if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (isFin && this.#fragments === undefined) return this.#onMessage(this, buf, from, to)
      // A first fragment (or, against the protocol, a message in the middle of a fragmented one,
      // which is dropped).
      this.#fragments = [Buffer.from(buf.subarray(from, to))]
      if (isFin) this.#joinFragments()
      return
    }
    if (opcode === OP_CONTINUATION) {
      this.#fragments?.push(Buffer.from(buf.subarray(from, to)))
      if (isFin) this.#joinFragments()
      return
    }
    if (opcode === OP_PING) return this.#write(OP_PONG, Buffer.from(buf.subarray(from, to)))
    if (opcode === OP_PONG) return
    if (opcode === OP_CLOSE) {
      this.#isDone = true
      this.closeCode = to - from >= 2 ? (buf[from] << 8) | buf[from + 1] : 1005
      const code = this.closeCode === 1005 ? 1000 : this.closeCode
      this.close(code)
      this.#socket.end()
    }
  }

  #joinFragments() {
    const message = Buffer.concat(this.#fragments ?? [])
    this.#fragments = undefined
    this.#onMessage(this, message, 0, message.length)
  }
}

/**
 * Connects to `url` (ws://host:port/path) from `localAddress`, asking for `protocol` if given,
 * and resolves with the open {@link RawWebSocket}, or rejects if the upgrade fails or takes past
 * `timeoutMs`, or the function given to `onOpening(abort)` is called first. Bytes that came
 * with the upgrade's response are read right after it resolves.
 */
export const connectRawWebSocket = (
  url,
  { localAddress, protocol, timeoutMs = 10_000, onOpening, onMessage, onClose },
) =>
  new Promise((resolve, reject) => {
    const { protocol: scheme, hostname, port, pathname, search } = new URL(url)
    const isTls = scheme === 'wss:'
    const key = randomBytes(16).toString('base64')
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64')
    /** Gets each read: the upgrade's response first, then the frames. */
    let onRead = (buf, bytes) => onHead(buf.subarray(0, bytes))
    const host = hostname.replace(/^\[(.*)\]$/, '$1') // [::1] → ::1
    // wss:// (`hubbub bench wss://…`) reads through TLS's 'data' events; ws:// into the shared buffer.
    const socket = isTls
      ? tls.connect({
          host,
          servername: host,
          port: port === '' ? 443 : Number(port),
          localAddress,
        })
      : net.connect({
          host,
          port: port === '' ? 80 : Number(port),
          localAddress,
          onread: { buffer: readBuffer, callback: (bytes, buf) => void onRead(buf, bytes) },
        })
    if (isTls) socket.on('data', (chunk) => void onRead(chunk, chunk.length))
    socket.setNoDelay(true)
    let head = Buffer.alloc(0)
    let isOpen = false
    const fail = (err) => {
      if (isOpen) return
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    const timer = setTimeout(() => fail(new Error('opening handshake timed out')), timeoutMs)
    onOpening?.(() => fail(new Error('aborted before opening')))
    socket.on('error', fail) // before open; later errors are followed by 'close'
    socket.once('close', () => fail(new Error('closed 1006 before opening')))
    socket.once(isTls ? 'secureConnect' : 'connect', () => {
      const lines = [
        `GET ${pathname}${search} HTTP/1.1`,
        `Host: ${port === '' ? hostname : `${hostname}:${port}`}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
      ]
      if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`)
      socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    })
    /** Reads the upgrade's response: `chunk` is a view of the shared buffer, copied. */
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) {
        if (head.length > 16_384) fail(new Error('upgrade response too long'))
        return
      }
      const [status, ...fields] = head.toString('latin1', 0, end).split('\r\n')
      const headers = new Map()
      for (const field of fields) {
        const colon = field.indexOf(':')
        headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim())
      }
      if (!/^HTTP\/1\.1 101 /.test(`${status} `))
        return fail(new Error(`unexpected server response: ${status}`))
      if (headers.get('sec-websocket-accept') !== accept)
        return fail(new Error('invalid Sec-WebSocket-Accept'))
      if (protocol !== undefined && headers.get('sec-websocket-protocol') !== protocol)
        return fail(new Error(`server did not accept subprotocol ${protocol}`))
      isOpen = true
      clearTimeout(timer)
      socket.off('error', fail)
      socket.on('error', () => undefined) // 'close' follows, with closeCode 1006
      const ws = new RawWebSocket(socket, onMessage, onClose)
      onRead = (buf, bytes) => ws.read(buf, 0, bytes)
      resolve(ws)
      if (head.length > end + 4) ws.read(head, end + 4, head.length)
    }
  })
