/**
 * A minimal `hubbub.v1` client for the benchmarks: setup requests with replies, ping/pong, and
 * `pub` frames handed over raw, for {@link readPub} to read without decoding them.
 */
import { Buffer } from 'node:buffer'
import WebSocket from 'ws'

/** Every socket opened and not yet closed, for cleanup. */
export const sockets = new Set()

/**
 * Opens a connection from `localAddress` and resolves once the WebSocket is open. `on.pub(client,
 * buf)` gets `pub` frames undecoded, `on.frame(client, frame)` other frames that are not the
 * answer to a {@link request} (pings are answered here), `on.close(client, code)` the close.
 */
export const open = (url, localAddress, on) =>
  new Promise((resolve, reject) => {
    const options = { localAddress, perMessageDeflate: false, skipUTF8Validation: true }
    const ws = new WebSocket(url, 'hubbub.v1', { ...options, handshakeTimeout: 10_000 })
    const client = { ws, lastSeq: 0, waiters: new Map() }
    sockets.add(ws)
    ws.on('message', (buf) => {
      if (buf[9] === 0x70 && buf[10] === 0x75) return on.pub(client, buf) // {"type":"pub"
      const frame = JSON.parse(buf.toString())
      const waiter = frame.type === 'reply' ? client.waiters.get(frame.id) : undefined
      if (frame.type === 'ping') ws.send('{"type":"pong"}')
      else if (waiter !== undefined) waiter(frame)
      else on.frame(client, frame)
    })
    ws.once('open', () => resolve(client))
    ws.on('error', reject) // before open; later errors are followed by close
    ws.once('close', (code) => {
      sockets.delete(ws)
      reject(new Error(`closed ${code} before opening`))
      for (const waiter of client.waiters.values()) waiter({ error: { code: `closed ${code}` } })
      on.close(client, code)
    })
  })

/** Sends a request and resolves with its result (for setup: connect, subscribe). */
export const request = (client, frame) =>
  new Promise((resolve, reject) => {
    client.waiters.set(frame.id, (reply) => {
      client.waiters.delete(frame.id)
      if (reply.error === undefined) resolve(reply.result)
      else reject(new Error(`${frame.type}: ${reply.error.code} ${reply.error.message ?? ''}`))
    })
    client.ws.send(JSON.stringify(frame))
  })

/** Runs `fn(0…n-1)`, at most `width` at once. */
export const pool = async (n, width, fn) => {
  let next = 0
  const worker = async () => {
    while (next < n) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.min(n, width) }, worker))
}

const SEQ_KEY = Buffer.from('"seq":')
const SEQ_AT = Buffer.byteLength('{"type":"pub","channel":"bench","pub":{"seq":')
const T_KEY = Buffer.from('"data":{"t":')
let tSkip = 0 // bytes from the end of seq to data.t: the same in every frame of one stream
let end = 0 // where the last readNumber stopped

/** Reads the decimal number at `at` in `buf`. */
const readNumber = (buf, at) => {
  let value = 0
  let i = at
  while (buf[i] >= 48 && buf[i] <= 57) value = value * 10 + buf[i++] - 48
  if (buf[i] === 46)
    for (let scale = 0.1; buf[++i] >= 48 && buf[i] <= 57; scale /= 10)
      value += (buf[i] - 48) * scale
  end = i
  return value
}

/**
 * Reads `pub.seq` and `pub.data.t` of a `pub` frame in place into `out`: no JSON.parse on the hot
 * path. Looks where they were in the previous frame first, searches when they are not there.
 */
export const readPub = (buf, out) => {
  const isSeqAt = buf[SEQ_AT - 1] === 0x3a && buf[SEQ_AT - 2] === 0x22 // `"seq":` on channel bench
  out.seq = readNumber(buf, isSeqAt ? SEQ_AT : buf.indexOf(SEQ_KEY) + SEQ_KEY.length)
  let at = end + tSkip
  if (buf[at - 1] !== 0x3a || buf[at - 2] !== 0x22 || buf[at - 3] !== 0x74) {
    at = buf.indexOf(T_KEY, end) + T_KEY.length // `"t":` is elsewhere
    tSkip = at - end
  }
  out.t = readNumber(buf, at)
}
