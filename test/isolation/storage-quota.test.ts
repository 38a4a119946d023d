import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { useServeProcesses } from '../support/cli-process.js'
import { TestClient } from '../support/protocol-client.js'

const { serve } = useServeProcesses()

/** The child's resident set size in bytes, from /proc. */
const rssOf = (pid: number): number => {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(line?.[1]) * 1024
}

describe('storage quota against hubbub serve', () => {
  it('memory engine: 10 sockets flooding new channels with 30 KB each stay within a 64 MB heap; a healthy subscriber keeps getting its messages', async () => {
    const maxHistoryBytes = 8 * 1024 * 1024
    const served = await serve(
      [
        '--memory',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--max-history-bytes',
        String(maxHistoryBytes),
        // The flood must reach the byte bound, not the channel budgets.
        '--new-channels-per-second',
        '100000',
        '--new-channel-burst',
        '100000',
        '--new-channels-per-second-per-ip',
        '100000',
        '--new-channel-burst-per-ip',
        '100000',
        '--requests-per-second',
        '100000',
        '--request-burst',
        '100000',
      ],
      { NODE_OPTIONS: '--max-old-space-size=64' },
    )
    const url = `ws://127.0.0.1:${served.port}/`
    const healthy = await TestClient.connect(url, 'Healthy')
    const sender = await TestClient.connect(url, 'Sender')
    await healthy.request({ type: 'subscribe', channel: 'healthy' })
    const flooders = await Promise.all(
      Array.from({ length: 10 }, (_, i) => TestClient.connect(url, `Flood${i}`)),
    )
    const text = 'x'.repeat(30_000)
    // 10 × 200 × 30 KB = 60 MB of history offered: far past the heap without the bound.
    const flood = flooders.map(async (client, i) => {
      for (let n = 0; n < 200; n++)
        await client.request({ type: 'publish', channel: `flood-${i}-${n}`, data: text })
    })
    const healthySeqs: number[] = []
    const talk = (async () => {
      for (let n = 1; n <= 20; n++) {
        await sender.request({ type: 'publish', channel: 'healthy', data: n })
        const frame = await healthy.next('pub')
        healthySeqs.push(frame.pub.seq)
      }
    })()
    await Promise.all([...flood, talk])
    expect(healthySeqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    // The oldest flooded channels were evicted: a new epoch at seq 0.
    const oldest = (await flooders[0]?.request({ type: 'history', channel: 'flood-0-0' })) as {
      seq: number
    }
    expect(oldest.seq).toBe(0)
    expect(served.child.exitCode).toBeNull()
    expect(rssOf(served.child.pid ?? 0)).toBeLessThan(400 * 1024 * 1024)
  }, 60_000)
})
