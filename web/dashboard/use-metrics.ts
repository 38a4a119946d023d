import { useState } from 'preact/hooks'
import type { Client, Pub } from '../../src/client/index.ts'
import { useChannel } from '../src/use-client.ts'
import { decodeSample, withSamples, type MetricsSample, type Samples } from './samples.ts'

export const METRICS_CHANNEL = 'sys:metrics'

/** What the channel keeps: 5 minutes of one node at one sample a second. */
const HISTORY_LIMIT = 300

export interface Metrics {
  samples: Samples
  /** Whether the last 5 minutes came from history yet (live samples show meanwhile). */
  hasHistory: boolean
}

const samplesOf = (pubs: readonly Pub[]): MetricsSample[] =>
  pubs.map((pub) => decodeSample(pub.data)).filter((sample) => sample !== undefined)

/**
 * Every node's samples of the last 5 minutes: history once subscribed (again after a reset, when
 * a reconnect could not recover what was missed), then live publications. The two overlap;
 * {@link withSamples} keeps each sample once.
 */
export const useMetrics = (client: Client): Metrics => {
  const [metrics, setMetrics] = useState<Metrics>({ samples: new Map(), hasHistory: false })
  const add = (samples: MetricsSample[], isHistory: boolean): void => {
    setMetrics((current) => ({
      samples: withSamples(current.samples, samples),
      hasHistory: current.hasHistory || isHistory,
    }))
  }
  useChannel(client, METRICS_CHANNEL, {}, (sub) => {
    let isFollowing = true
    let hasHistory = false
    const loadHistory = (): void => {
      sub.history({ limit: HISTORY_LIMIT }).then(
        ({ pubs }) => {
          if (!isFollowing) return
          hasHistory = true
          add(samplesOf(pubs), true)
        },
        (error: unknown) => {
          // Tried again on the next (re)subscribe; live samples keep coming meanwhile.
          console.warn('could not load the metrics history', error)
        },
      )
    }
    const offs = [
      sub.on('subscribed', () => {
        if (!hasHistory) loadHistory()
      }),
      sub.on('reset', loadHistory),
      sub.on('message', (pub) => {
        add(samplesOf([pub]), false)
      }),
    ]
    return () => {
      isFollowing = false
      for (const off of offs) off()
    }
  })
  return metrics
}
