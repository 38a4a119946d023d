/**
 * A reader of the NATS client protocol as the server sends it over WebSocket: the frames are
 * pieces of one text stream, so one frame may hold several protocol messages and one message may
 * be split over several frames. `MSG <subject> <sid> [reply] <bytes>\r\n<payload>\r\n` is handed
 * over in place; every other line (INFO, PING, PONG, +OK, -ERR) as a string.
 */
import { Buffer } from 'node:buffer'

const CR = 0x0d
const LF = 0x0a
const SPACE = 0x20

/** Returns `feed(chunk)`, which calls `onMsg(buf, from, to)` and `onLine(line)` in order. */
export const createNatsStream = ({ onMsg, onLine }) => {
  let pending // the unread tail of the previous chunks
  let payloadBytes = -1 // after a MSG line: the size of the payload still to come
  return (chunk) => {
    const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk])
    pending = undefined
    let at = 0
    while (at < buf.length) {
      if (payloadBytes >= 0) {
        if (buf.length - at < payloadBytes + 2) break
        onMsg(buf, at, at + payloadBytes)
        at += payloadBytes + 2
        payloadBytes = -1
        continue
      }
      const eol = buf.indexOf(LF, at)
      if (eol < 0) break
      const end = buf[eol - 1] === CR ? eol - 1 : eol
      if (buf[at] === 0x4d && buf[at + 1] === 0x53 && buf[at + 2] === 0x47) {
        // MSG: the payload's size is the line's last field.
        let digits = end
        while (digits > at && buf[digits - 1] !== SPACE) digits -= 1
        payloadBytes = 0
        for (let i = digits; i < end; i++) payloadBytes = payloadBytes * 10 + buf[i] - 48
      } else {
        onLine(buf.toString('utf8', at, end))
      }
      at = eol + 1
    }
    if (at < buf.length) pending = Buffer.from(buf.subarray(at))
  }
}
