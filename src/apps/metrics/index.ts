import type { App, ChannelOptions } from '../../server/index.js'
import { createBackground, type Background } from '../shared/background.js'
import { createSampler } from './sample.js'

export type { MetricsSample } from './sample.js'

/** Options of {@link createMetricsApp}. Every field is optional. */
export interface MetricsAppOptions {
  /** How often this node publishes a sample. @default 1_000 */
  intervalMs?: number
  /** Samples the channel keeps, for dashboards to fill from history (5 min at 1 s). @default 300 */
  historySize?: number
  /** The channel samples go to. @default 'sys:metrics' */
  channel?: string
}

export const metricsDefaults: Required<MetricsAppOptions> = {
  intervalMs: 1_000,
  historySize: 300,
  channel: 'sys:metrics',
}

/**
 * Node metrics (DESIGN.md §8): every node publishes a {@link MetricsSample} to `sys:metrics` every
 * `intervalMs`, kept for `historySize` samples (shared by all nodes). Clients may only read. The
 * timer does not keep the process alive and stops when the app closes; a tick is skipped while
 * the previous sample is still being published.
 */
export const createMetricsApp = (options: MetricsAppOptions = {}): App => {
  const intervalMs = options.intervalMs ?? metricsDefaults.intervalMs
  const historySize = options.historySize ?? metricsDefaults.historySize
  const channel = options.channel ?? metricsDefaults.channel
  let timer: NodeJS.Timeout | undefined
  let background: Background | undefined
  return {
    name: 'metrics',
    setup(hub) {
      hub.channel(channel, {
        historySize,
        // Long enough for every kept sample: a dashboard opened later still fills its chart.
        historyTtlMs: Math.max(600_000, 2 * historySize * intervalMs),
        presence: false,
        access: { publish: 'server' },
        backpressure: 'latest',
      } satisfies ChannelOptions)
      const work = createBackground(hub.log)
      background = work
      const sample = createSampler(hub.node, () => hub.stats())
      let isPublishing = false
      timer = setInterval(() => {
        if (isPublishing) return
        isPublishing = true
        const published = hub.publish(channel, sample()).finally(() => {
          isPublishing = false
        })
        work.run('publishing metrics', published)
      }, intervalMs)
      timer.unref()
    },
    async close() {
      clearInterval(timer)
      timer = undefined
      await background?.idle()
    },
  }
}
