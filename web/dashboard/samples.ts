/**
 * The samples a dashboard holds: per node, oldest first, covering {@link WINDOW_MS} up to the
 * newest sample of any node. Times come from the server, so a client's clock never matters.
 */

/** One node's sample, as `sys:metrics` publications carry it (docs/apps.md, metrics). */
export interface MetricsSample {
  node: string
  /** ms since the Unix epoch, on the node's clock. */
  time: number
  /** The node process's CPU over the last interval, % of one core. */
  cpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  /**
   * The machine's CPU busy time over the last interval, % of all cores (what `/dashboard` plain
   * clients get as `cpu`); absent in samples of nodes that predate it.
   */
  systemCpuPercent?: number
  /** The machine's memory in use, % of its total (`/dashboard`'s `memory`); absent as above. */
  systemMemoryPercent?: number
  connections: number
  messagesInPerSec: number
  messagesOutPerSec: number
}

/** How far back the dashboard looks: the channel's 300 samples at one a second. */
export const WINDOW_MS = 300_000

/** Samples by node id, each list oldest first; nodes in the order they were first seen. */
export type Samples = ReadonlyMap<string, readonly MetricsSample[]>

const NUMBER_FIELDS = [
  'time',
  'cpuPercent',
  'rssBytes',
  'heapUsedBytes',
  'connections',
  'messagesInPerSec',
  'messagesOutPerSec',
] as const

const OPTIONAL_NUMBER_FIELDS = ['systemCpuPercent', 'systemMemoryPercent'] as const

/** A publication's data as a sample, or undefined when it is not one. */
export const decodeSample = (data: unknown): MetricsSample | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const raw = data as Record<string, unknown>
  if (typeof raw.node !== 'string') return undefined
  for (const field of NUMBER_FIELDS) {
    const value = raw[field]
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
  }
  for (const field of OPTIONAL_NUMBER_FIELDS) {
    const value = raw[field]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      return undefined
  }
  return data as MetricsSample
}

/** The newest sample time of any node; undefined while there is none. */
export const newestTime = (samples: Samples): number | undefined => {
  let newest: number | undefined
  for (const list of samples.values()) {
    const last = list[list.length - 1]
    if (last !== undefined && (newest === undefined || last.time > newest)) newest = last.time
  }
  return newest
}

/**
 * `samples` with `incoming` merged in: a node's sample at a time it already has is the same
 * sample (history and live publications overlap), and what falls out of the window goes.
 */
export const withSamples = (samples: Samples, incoming: readonly MetricsSample[]): Samples => {
  if (incoming.length === 0) return samples
  const next = new Map<string, MetricsSample[]>()
  for (const [node, list] of samples) next.set(node, [...list])
  for (const sample of incoming) {
    const list = next.get(sample.node) ?? []
    next.set(sample.node, list)
    const last = list[list.length - 1]
    if (last === undefined || sample.time > last.time) list.push(sample)
    else if (!list.some((kept) => kept.time === sample.time)) {
      list.push(sample)
      list.sort((a, b) => a.time - b.time)
    }
  }
  const newest = newestTime(next) ?? 0
  const from = newest - WINDOW_MS
  for (const [node, list] of next) {
    const kept = list.filter((sample) => sample.time >= from)
    if (kept.length === 0) next.delete(node)
    else next.set(node, kept)
  }
  return next
}
