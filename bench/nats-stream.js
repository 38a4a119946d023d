/**
 * A reader of the NATS client protocol as the server sends it over WebSocket: the frames are
 * pieces of one text stream, so one frame may hold several protocol messages and one message may
 * be split over several frames. `MSG <subject> <sid> [reply] <bytes>\r\n<payload>\r\n` is handed
 * over in place; every other line (INFO, PING, PONG, +OK, -ERR) as a string. Only a message split
 * over frames is copied (into a carry buffer, reused), the rest is read where it is.
 */
import { Buffer } from 'node:buffer'

const CR = 0x0d
const LF = 0x0a
const SPACE = 0x20

/** Where the first "\n" in `buf[from, to)` is, or -1. */
const findLf = (buf, from, to) => {
  for (let at = from; at < to; at++) if (buf[at] === LF) return at
  return -1
}

/**
 * Returns `feed(buf, from = 0, to = buf.length)`, which reads `buf[from, to)` (a frame's payload;
 * `buf` is not kept) and calls `onMsg(buf, from, to)` (valid during the call only) and
 * `onLine(line)` in order.
 */
export const createNatsStream = ({ onMsg, onLine }) => {
  let carry = Buffer.allocUnsafe(4_096) // the start of a message split over frames
  let carried = 0
  let payloadBytes = -1 // after a MSG line: the size of the payload still to come

  const keep = (buf, from, to) => {
    if (carried + to - from > carry.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * carry.length, carried + to - from))
      carry.copy(bigger, 0, 0, carried)
      carry = bigger
    }
    buf.copy(carry, carried, from, to)
    carried += to - from
  }

  /** Reads the line `buf[at, eol)`, `eol` the "\n": a MSG line sets `payloadBytes`. */
  const line = (buf, at, eol) => {
    const end = eol > at && buf[eol - 1] === CR ? eol - 1 : eol
    if (buf[at] === 0x4d && buf[at + 1] === 0x53 && buf[at + 2] === 0x47) {
      // MSG: the payload's size is the line's last field.
      let digits = end
      while (digits > at && buf[digits - 1] !== SPACE) digits -= 1
      payloadBytes = 0
      for (let i = digits; i < end; i++) payloadBytes = payloadBytes * 10 + buf[i] - 48
    } else {
      onLine(buf.toString('utf8', at, end))
    }
  }

  return (buf, from = 0, to = buf.length) => {
    let at = from
    if (carried > 0) {
      // Complete the message begun in the carry first.
      if (payloadBytes >= 0) {
        const take = Math.min(payloadBytes + 2 - carried, to - at)
        keep(buf, at, at + take)
        at += take
        if (carried < payloadBytes + 2) return
        const bytes = payloadBytes
        carried = 0
        payloadBytes = -1
        onMsg(carry, 0, bytes)
      } else {
        const eol = findLf(buf, at, to)
        if (eol < 0) return keep(buf, at, to)
        keep(buf, at, eol + 1)
        at = eol + 1
        const end = carried - 1
        carried = 0
        line(carry, 0, end)
      }
    }
    while (at < to) {
      if (payloadBytes >= 0) {
        if (to - at < payloadBytes + 2) break
        const bytes = payloadBytes
        payloadBytes = -1
        onMsg(buf, at, at + bytes)
        at += bytes + 2
        continue
      }
      const eol = findLf(buf, at, to)
      if (eol < 0) break
      line(buf, at, eol)
      at = eol + 1
    }
    if (at < to) keep(buf, at, to)
  }
}
