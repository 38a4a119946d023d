/**
 * Byte scanning for the generator's hot path: every target delivers the payload
 * `{"i":<index>,"t":<send time>,"pad":"x…"}` inside its own framing, and the generator reads `i`
 * and `t` in place instead of JSON.parse on each of the hundreds of thousands of deliveries a
 * second.
 */
import { Buffer } from 'node:buffer'

/** Where the last {@link readNumber} stopped: a live binding, read it right after the call. */
export let numberEnd = 0

/** Reads the non-negative decimal number (digits, optional fraction) at `at` in `buf`. */
export const readNumber = (buf, at) => {
  let value = 0
  let i = at
  while (buf[i] >= 48 && buf[i] <= 57) value = value * 10 + buf[i++] - 48
  if (buf[i] === 46)
    for (let scale = 0.1; buf[++i] >= 48 && buf[i] <= 57; scale /= 10)
      value += (buf[i] - 48) * scale
  numberEnd = i
  return value
}

const I_KEY = Buffer.from('{"i":')
const T_KEY_LENGTH = Buffer.byteLength(',"t":')

/**
 * Reads the payload's `i` and `t` into `out` and returns true, or returns false when `buf` holds
 * no payload between `from` and `to`. `out.hint` (bytes from `from` to the payload) is where it
 * looks first: within one target's stream the payload sits at the same offset in almost every
 * message, so the search is rarely needed.
 */
export const readPayload = (buf, from, to, out) => {
  let at = from + out.hint
  if (buf[at] !== 0x7b || buf[at + 2] !== 0x69 || buf[at + 4] !== 0x3a || buf[at + 1] !== 0x22) {
    at = buf.indexOf(I_KEY, from)
    if (at < 0 || at >= to) return false
    out.hint = at - from
  }
  out.i = readNumber(buf, at + I_KEY.length)
  out.t = readNumber(buf, numberEnd + T_KEY_LENGTH)
  return true
}

/** A reader's state for {@link readPayload}: one per stream shape (target and role). */
export const createPayloadReader = () => ({ hint: 0, i: 0, t: 0 })

/**
 * The payload of message `i` sent at `t` ms (performance.now()), padded to about `bytes` bytes:
 * the same bytes whatever the target.
 */
export const payload = (i, t, bytes) => {
  const head = `{"i":${i},"t":${t.toFixed(3)},"pad":"`
  return `${head}${'x'.repeat(Math.max(0, bytes - head.length - 2))}"}`
}
