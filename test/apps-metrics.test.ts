/**
 * The metrics app (DESIGN.md §8, docs/apps.md): every node publishes a sample to `sys:metrics`
 * each interval, kept in history for dashboards; clients only read; the timer stops with the app.
 */
import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMetricsApp, type MetricsSample } from '../src/apps/index.js'
import { createMemoryEngine, type HubApi } from '../src/server/index.js'
import { useServer } from './support/harness.js'

const { start, connect } = useServer({ nodeId: 'node-a' })

afterEach(() => {
  vi.useRealTimers()
})

describe('metrics', () => {
  it('publishes a sample of this node every interval', async () => {
    await start({ apps: [createMetricsApp({ intervalMs: 20 })] })
    const watcher = await connect('Dashboard')
    await watcher.request({ type: 'subscribe', channel: 'sys:metrics' })
    const first = (await watcher.next('pub')).pub.data as MetricsSample
    const second = (await watcher.next('pub')).pub.data as MetricsSample
    expect(Object.keys(first).sort()).toEqual(
      [
        'node',
        'time',
        'cpuPercent',
        'rssBytes',
        'heapUsedBytes',
        'systemCpuPercent',
        'systemMemoryPercent',
        'connections',
        'messagesInPerSec',
        'messagesOutPerSec',
      ].sort(),
    )
    expect(first).toMatchObject({ node: 'node-a', connections: 1 })
    for (const field of [
      'time',
      'cpuPercent',
      'rssBytes',
      'heapUsedBytes',
      'messagesInPerSec',
      'messagesOutPerSec',
    ] as const)
      expect(Number.isFinite(first[field]) && first[field] >= 0).toBe(true)
    expect(first.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(first.rssBytes).toBeGreaterThan(first.heapUsedBytes)
    // The machine's figures, as psutil's cpu_percent() and virtual_memory().percent.
    for (const sample of [first, second])
      for (const percent of [sample.systemCpuPercent, sample.systemMemoryPercent]) {
        expect(percent).toBeGreaterThanOrEqual(0)
        expect(percent).toBeLessThanOrEqual(100)
      }
    expect(first.systemMemoryPercent).toBeGreaterThan(0)
    expect(second.time).toBeGreaterThanOrEqual(first.time)
    // The first sample went out to the dashboard before the second was taken.
    expect(second.messagesOutPerSec).toBeGreaterThan(0)
    await expect(
      watcher.request({ type: 'publish', channel: 'sys:metrics', data: { cpuPercent: 1 } }),
    ).rejects.toThrow(/^forbidden/)
  })

  it('keeps historySize samples, so a dashboard fills its chart from history', async () => {
    await start({ apps: [createMetricsApp({ intervalMs: 10, historySize: 3 })] })
    const watcher = await connect('Dashboard')
    await watcher.request({ type: 'subscribe', channel: 'sys:metrics' })
    for (let i = 0; i < 4; i++) await watcher.next('pub')
    const late = await connect('Late')
    const { pubs } = (await late.request({ type: 'history', channel: 'sys:metrics' })) as {
      pubs: { data: MetricsSample }[]
    }
    expect(pubs).toHaveLength(3)
    expect(pubs.every((pub) => pub.data.node === 'node-a')).toBe(true)
  })

  it('stops its timer when the app closes', async () => {
    vi.useFakeTimers()
    const published: unknown[] = []
    const engine = createMemoryEngine()
    const hub: HubApi = {
      node: 'stub',
      state: engine.state,
      log: pino({ level: 'silent' }),
      channel: () => undefined,
      rpc: () => undefined,
      text: () => undefined,
      publish: (_channel, data) => {
        published.push(data)
        return Promise.resolve({ epoch: 'e', seq: published.length })
      },
      history: () => Promise.reject(new Error('not in this test')),
      presence: () => Promise.reject(new Error('not in this test')),
      stats: () => ({ connections: 0, messagesIn: 0, messagesOut: 0 }),
      session: () => {
        throw new Error('not in this test')
      },
    }
    const app = createMetricsApp({ intervalMs: 1_000 })
    await app.setup(hub)
    await vi.advanceTimersByTimeAsync(3_000)
    expect(published).toHaveLength(3)
    await app.close?.()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(3_000)
    expect(published).toHaveLength(3)
  })
})
