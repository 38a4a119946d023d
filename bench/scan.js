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
  if (buf[i] === 46) {
    // The fraction as an integer, divided once: the same double as the digits' decimal value
    // (within one rounding; `t` has 3 decimals).
    let fraction = 0
    let scale = 1
    for (; buf[++i] >= 48 && buf[i] <= 57; scale *= 10) fraction = fraction * 10 + buf[i] - 48
    value += fraction / scale
  }
  numberEnd = i
  return value
}

const I_KEY = Buffer.from('{"i":')
const T_KEY_LENGTH = Buffer.byteLength(',"t":')

/**
 * Reads the payload's `i` and `t` into `out` and returns true when it is at `from + out.hint`
 * (`out.hint`: bytes from `from` to the payload; within one target's stream the payload sits at
 * the same offset in almost every message), false otherwise. The caller knows that a payload
 * there is the message's.
 */
export const readPayloadAtHint = (buf, from, out) => {
  const at = from + out.hint
  if (buf[at] !== 0x7b || buf[at + 2] !== 0x69 || buf[at + 4] !== 0x3a || buf[at + 1] !== 0x22)
    return false
  out.i = readNumber(buf, at + I_KEY.length)
  out.t = readNumber(buf, numberEnd + T_KEY_LENGTH)
  return true
}

/**
 * Reads the payload's `i` and `t` into `out` and returns true, or returns false when `buf` holds
 * no payload between `from` and `to`. It looks at `out.hint` first (see
 * {@link readPayloadAtHint}), so the search is rarely needed.
 */
export const readPayload = (buf, from, to, out) => {
  if (readPayloadAtHint(buf, from, out)) return true
  const at = buf.indexOf(I_KEY, from)
  if (at < 0 || at >= to) return false
  out.hint = at - from
  return readPayloadAtHint(buf, from, out)
}

/**
 * A reader's state for {@link readPayload}: one per stream shape (target and role). One class, its
 * number fields doubles from the start (NaN), so that every reader has the same shape and the hot
 * path's property accesses stay monomorphic. `tail` is free for the target's use (hubbub: the
 * bytes from the payload to the end of the frame).
 */
class PayloadReader {
  hint = 0
  tail = 0
  i = NaN
  t = NaN
}

export const createPayloadReader = () => new PayloadReader()

/**
 * The payload of message `i` sent at `t` ms (performance.now()), padded to about `bytes` bytes:
 * the same bytes whatever the target.
 */
export const payload = (i, t, bytes) => {
  const head = `{"i":${i},"t":${t.toFixed(3)},"pad":"`
  return `${head}${'x'.repeat(Math.max(0, bytes - head.length - 2))}"}`
}
