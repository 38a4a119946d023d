/** Latency histograms for the benchmarks. */
const MIN_MS = 0.001
const LN_BASE = Math.log(1.01)
const BUCKETS = 2_000 // 1 µs to past 400 s, each bucket 1 % wide

/** Latencies in ms, in log buckets 1 % wide: constant memory, percentiles within 1 %. */
export class Histogram {
  counts = new Float64Array(BUCKETS)
  count = 0
  sum = 0
  max = 0

  record(ms) {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LN_BASE))
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
      if (seen >= rank) return Math.min(this.max, MIN_MS * Math.exp(i * LN_BASE))
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
