/**
 * Latency histograms for the benchmarks. `record` runs for every delivery (millions a second), so
 * its bucket comes from the bits of the float64 rather than a logarithm: the exponent and the top
 * 7 bits of the mantissa, i.e. 128 buckets per power of two, each at most 1/128 (0.8 %) wide.
 */
import { endianness } from 'node:os'

const SUB_BITS = 7 // 128 buckets per power of two
const SHIFT = 20 - SUB_BITS // the high word: sign, 11 bits of exponent, 20 of mantissa
const MIN_MS = 2 ** -10 // ~1 µs: the first bucket holds everything below
const MAX_MS = 2 ** 19 // ~524 s: the last one everything above

const bits = new Float64Array(1)
const words = new Uint32Array(bits.buffer)
const HIGH = endianness() === 'LE' ? 1 : 0 // the word with the sign and exponent

/** The float's exponent and top mantissa bits: ordered as the floats, for positive ones. */
const key = (ms) => {
  bits[0] = ms
  return words[HIGH] >>> SHIFT
}

/** The smallest float of key `k`: its bucket's lower edge. */
const lowerEdge = (k) => {
  bits[0] = 0
  words[HIGH] = k << SHIFT
  return bits[0]
}

const FIRST = key(MIN_MS)
const BUCKETS = key(MAX_MS) - FIRST + 1

/** Latencies in ms, in buckets at most 0.8 % wide: constant memory, percentiles within 0.8 %. */
export class Histogram {
  counts = new Float64Array(BUCKETS)
  count = 0
  sum = 0
  max = 0

  record(ms) {
    let i = 0
    if (ms > MIN_MS) {
      i = key(ms) - FIRST
      if (i >= BUCKETS) i = BUCKETS - 1
    }
    this.counts[i] += 1
    this.count += 1
    this.sum += ms
    if (ms > this.max) this.max = ms
  }

  /** The upper edge of the bucket holding the p-th percentile (never above the true max). */
  percentile(p) {
    if (this.count === 0) return NaN
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]
      if (seen >= rank) return Math.min(this.max, lowerEdge(FIRST + i + 1))
    }
    return this.max
  }

  summary() {
    const round = (ms) => Math.round(ms * 1000) / 1000
    return {
      count: this.count,
      meanMs: round(this.sum / this.count),
      p50Ms: round(this.percentile(50)),
      p99Ms: round(this.percentile(99)),
      maxMs: round(this.max),
    }
  }
}
