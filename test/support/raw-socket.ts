/**
 * A WebSocket client written by hand over a raw `net` socket, for tests that need what no
 * WebSocket library offers: a client that stops reading (`pause()`) so that the kernel buffers
 * and then the server's send buffer fill up, a client that never answers a close frame, or an
 * upgrade request sent in pieces. Client frames are masked as RFC 6455 requires; server frames
 * are decoded with 7-, 16- and 64-bit lengths.
 */
import { createHash, randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

/** RFC 6455 opcodes. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const

/** One decoded WebSocket frame. */
export interface WsFrame {
  fin: boolean
  opcode: number
  payload: Buffer
}

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** The `Sec-WebSocket-Accept` a server must answer `key` with. */
export const acceptKey = (key: string): string =>
  createHash('sha1').update(`${key}${HANDSHAKE_GUID}`).digest('base64')

/** Encodes one masked client frame. */
export const encodeClientFrame = (opcode: number, payload: Buffer, fin = true): Buffer => {
  const { length } = payload
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.alloc(headerBytes + 4 + length)
  frame.writeUInt8((fin ? 0x80 : 0) | opcode, 0)
  if (length < 126) frame.writeUInt8(0x80 | length, 1)
  else if (length < 65_536) {
    frame.writeUInt8(0x80 | 126, 1)
    frame.writeUInt16BE(length, 2)
  } else {
    frame.writeUInt8(0x80 | 127, 1)
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  const mask = randomBytes(4)
  mask.copy(frame, headerBytes)
  const start = headerBytes + 4
  for (let i = 0; i < length; i++)
    frame.writeUInt8(payload.readUInt8(i) ^ mask.readUInt8(i % 4), start + i)
  return frame
}

/** A close frame's payload: the code, then the UTF-8 reason. */
export const closePayload = (code: number, reason = ''): Buffer => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason))
  payload.writeUInt16BE(code, 0)
  payload.write(reason, 2)
  return payload
}

/** Decodes a stream of unmasked server frames, whatever the chunking. */
export const createFrameDecoder = (): { push(chunk: Buffer): WsFrame[] } => {
  let pending: Buffer = Buffer.alloc(0)
  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      const frames: WsFrame[] = []
      for (;;) {
        if (pending.length < 2) break
        const first = pending.readUInt8(0)
        const second = pending.readUInt8(1)
        if ((second & 0x80) !== 0) throw new Error('a server frame is masked')
        let length = second & 0x7f
        let offset = 2
        if (length === 126) {
          if (pending.length < 4) break
          length = pending.readUInt16BE(2)
          offset = 4
        } else if (length === 127) {
          if (pending.length < 10) break
          const long = pending.readBigUInt64BE(2)
          if (long > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('a frame is too long')
          length = Number(long)
          offset = 10
        }
        if (pending.length < offset + length) break
        frames.push({
          fin: (first & 0x80) !== 0,
          opcode: first & 0x0f,
          payload: pending.subarray(offset, offset + length),
        })
        pending = pending.subarray(offset + length)
      }
      return frames
    },
  }
}

/** What a raw socket received, in order: whole messages (fragments joined) and control frames. */
export type RawEvent =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; data: Buffer }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'close'; code: number; reason: string }

export interface HttpResponseHead {
  status: number
  headers: Map<string, string>
  /** Bytes received after the header block. */
  rest: Buffer
}

/** Opens a plain TCP connection to the server on localhost. */
export const connectTcp = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })

/** The text of an upgrade request. */
export const upgradeRequest = (request: {
  port: number
  path: string
  key: string
  protocol: string | undefined
}): string =>
  [
    `GET ${request.path} HTTP/1.1`,
    `Host: localhost:${request.port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${request.key}`,
    'Sec-WebSocket-Version: 13',
    ...(request.protocol === undefined ? [] : [`Sec-WebSocket-Protocol: ${request.protocol}`]),
    '',
    '',
  ].join('\r\n')

/**
 * Reads an HTTP response head from `socket`. Rejects when the socket ends first. The socket is
 * left paused, with any bytes after the head in `rest`.
 */
export const readResponseHead = (socket: Socket): Promise<HttpResponseHead> =>
  new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const cleanUp = (): void => {
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.off('error', onError)
    }
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk])
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return
      cleanUp()
      socket.pause()
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n')
      const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]
      if (status === undefined) {
        reject(new Error(`not an HTTP response: ${statusLine}`))
        return
      }
      const headers = new Map<string, string>()
      for (const line of lines) {
        const colon = line.indexOf(':')
        if (colon > 0)
          headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
      }
      resolve({ status: Number(status), headers, rest: received.subarray(end + 4) })
    }
    const onClose = (): void => {
      cleanUp()
      reject(new Error('the connection closed before an HTTP response arrived'))
    }
    const onError = (err: Error): void => {
      cleanUp()
      reject(err)
    }
    socket.on('data', onData)
    socket.once('close', onClose)
    socket.once('error', onError)
  })

export interface RawSocketOptions {
  /** @default '/' */
  path?: string
  /** The subprotocol to offer; undefined offers none. */
  protocol: string | undefined
  /** Answer a close frame with a close frame, then end. @default true */
  answerClose?: boolean
  /** Answer WebSocket pings with pongs. @default true */
  answerPing?: boolean
}

/** A hand-made WebSocket client over a raw TCP socket. See the module comment. */
export class RawSocket {
  readonly socket: Socket
  /** Every message and control frame received, in order. */
  readonly events: RawEvent[] = []
  /** Resolves when the TCP connection is gone, whoever ended it. */
  readonly ended: Promise<void>
  readonly #decoder = createFrameDecoder()
  readonly #waiters = new Set<() => void>()
  readonly #answerClose: boolean
  readonly #answerPing: boolean
  #fragments: Buffer[] = []
  #fragmentOpcode = 0
  #isEnded = false
  #hasSentClose = false

  private constructor(socket: Socket, options: RawSocketOptions, rest: Buffer) {
    this.socket = socket
    this.#answerClose = options.answerClose ?? true
    this.#answerPing = options.answerPing ?? true
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isEnded = true
        this.#notify()
        resolve()
      })
    })
    // A reset peer is an outcome the tests look at through `ended` and `events`, not a failure.
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => {
      this.#receive(chunk)
    })
    if (rest.length > 0) this.#receive(rest)
  }

  /** Connects and performs the opening handshake; rejects unless the server answers 101. */
  static async open(port: number, options: RawSocketOptions): Promise<RawSocket> {
    const socket = await connectTcp(port)
    const key = randomBytes(16).toString('base64')
    const head = readResponseHead(socket)
    socket.write(
      upgradeRequest({ port, path: options.path ?? '/', key, protocol: options.protocol }),
    )
    const response = await head.catch((err: unknown) => {
      socket.destroy()
      throw err
    })
    if (
      response.status !== 101 ||
      response.headers.get('sec-websocket-accept') !== acceptKey(key)
    ) {
      socket.destroy()
      throw new Error(`the upgrade was refused with HTTP ${response.status}`)
    }
    const protocol = response.headers.get('sec-websocket-protocol')
    if (protocol !== options.protocol) {
      socket.destroy()
      throw new Error(`the server chose subprotocol ${String(protocol)}`)
    }
    const raw = new RawSocket(socket, options, response.rest)
    socket.resume()
    return raw
  }

  /** Stops reading: once Node's small read buffer is full, the kernel buffers fill up. */
  pause(): void {
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }

  sendFrame(opcode: number, payload: Buffer): void {
    if (!this.socket.writable) return
    this.socket.write(encodeClientFrame(opcode, payload))
  }

  sendText(text: string): void {
    this.sendFrame(Opcode.Text, Buffer.from(text))
  }

  sendJson(value: unknown): void {
    this.sendText(JSON.stringify(value))
  }

  /** Sends several text messages in one write, so that the server reads them in one go. */
  sendTexts(texts: string[]): void {
    if (!this.socket.writable) return
    this.socket.write(
      Buffer.concat(texts.map((text) => encodeClientFrame(Opcode.Text, Buffer.from(text)))),
    )
  }

  sendClose(code: number, reason = ''): void {
    if (this.#hasSentClose) return
    this.#hasSentClose = true
    this.sendFrame(Opcode.Close, closePayload(code, reason))
  }

  /** The close frame received, if any. */
  get closeFrame(): { code: number; reason: string } | undefined {
    for (const event of this.events) if (event.kind === 'close') return event
    return undefined
  }

  /**
   * Resolves with the index in {@link events} of the first event at or after `from` that matches;
   * rejects when the connection ends without one or after `timeoutMs`.
   */
  waitFor(match: (event: RawEvent) => boolean, from = 0, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      let checked = from
      const check = (): boolean => {
        for (; checked < this.events.length; checked++) {
          const event = this.events[checked]
          if (event !== undefined && match(event)) {
            resolve(checked)
            return true
          }
        }
        if (this.#isEnded) {
          reject(new Error(`the connection ended without the awaited frame: ${this.#summary()}`))
          return true
        }
        return false
      }
      if (check()) return
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`no awaited frame within ${timeoutMs} ms: ${this.#summary()}`))
      }, timeoutMs)
      const waiter = (): void => {
        if (!check()) return
        clearTimeout(timer)
        this.#waiters.delete(waiter)
      }
      this.#waiters.add(waiter)
    })
  }

  /** Resolves with the close frame, once it arrives. */
  async closed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const index = await this.waitFor((event) => event.kind === 'close', 0, timeoutMs)
    const event = this.events[index]
    if (event?.kind !== 'close') throw new Error('unreachable: not a close event')
    return { code: event.code, reason: event.reason }
  }

  destroy(): void {
    this.socket.destroy()
  }

  #summary(): string {
    const last = this.events.at(-1)
    const shown = last?.kind === 'text' ? last.text.slice(0, 120) : JSON.stringify(last)
    return `${this.events.length} events, the last: ${shown}`
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }

  #receive(chunk: Buffer): void {
    for (const frame of this.#decoder.push(chunk)) this.#handle(frame)
    this.#notify()
  }

  #handle(frame: WsFrame): void {
    switch (frame.opcode) {
      case Opcode.Text:
      case Opcode.Binary:
      case Opcode.Continuation: {
        if (frame.opcode !== Opcode.Continuation) {
          this.#fragmentOpcode = frame.opcode
          this.#fragments = []
        }
        this.#fragments.push(frame.payload)
        if (!frame.fin) return
        const data = Buffer.concat(this.#fragments)
        this.#fragments = []
        this.events.push(
          this.#fragmentOpcode === Opcode.Text
            ? { kind: 'text', text: data.toString('utf8') }
            : { kind: 'binary', data },
        )
        return
      }
      case Opcode.Ping:
        this.events.push({ kind: 'ping', data: frame.payload })
        if (this.#answerPing) this.sendFrame(Opcode.Pong, frame.payload)
        return
      case Opcode.Pong:
        this.events.push({ kind: 'pong', data: frame.payload })
        return
      case Opcode.Close: {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005
        const reason = frame.payload.subarray(2).toString('utf8')
        this.events.push({ kind: 'close', code, reason })
        if (this.#answerClose) {
          this.sendClose(code)
          this.socket.end()
        }
        return
      }
      default:
        throw new Error(`unknown opcode ${frame.opcode}`)
    }
  }
}
