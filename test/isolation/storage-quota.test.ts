import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useServeProcesses } from '../support/cli-process.js'
import { TestClient } from '../support/protocol-client.js'

const { serve } = useServeProcesses()

const root = mkdtempSync(join(tmpdir(), 'hubbub-quota-'))
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

/** The child's resident set size in bytes, from /proc. */
const rssOf = (pid: number): number => {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(line?.[1]) * 1024
}

/** Bytes of a file that may not exist (yet). */
const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0)

/** The flood must reach the byte bound, not the channel budgets. */
const raisedBudgets = [
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
]

/**
 * 10 sockets publish 30 KB each to 200 new channels each (60 MB offered) while a healthy
 * subscriber gets 20 messages in order; `afterPublish` runs after each of socket 0's. Returns the
 * flooding clients.
 */
const flood = async (url: string, afterPublish: () => void = () => undefined) => {
  const healthy = await TestClient.connect(url, 'Healthy')
  const sender = await TestClient.connect(url, 'Sender')
  await healthy.request({ type: 'subscribe', channel: 'healthy' })
  const flooders = await Promise.all(
    Array.from({ length: 10 }, (_, i) => TestClient.connect(url, `Flood${i}`)),
  )
  const text = 'x'.repeat(30_000)
  const floods = flooders.map(async (client, i) => {
    for (let n = 0; n < 200; n++) {
      await client.request({ type: 'publish', channel: `flood-${i}-${n}`, data: text })
      if (i === 0) afterPublish()
    }
  })
  const healthySeqs: number[] = []
  const talk = (async () => {
    for (let n = 1; n <= 20; n++) {
      await sender.request({ type: 'publish', channel: 'healthy', data: n })
      const frame = await healthy.next('pub')
      healthySeqs.push(frame.pub.seq)
    }
  })()
  await Promise.all([...floods, talk])
  expect(healthySeqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  return flooders
}

type HistoryReply = { seq: number; pubs: unknown[] }

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
        ...raisedBudgets,
      ],
      { NODE_OPTIONS: '--max-old-space-size=64' },
    )
    const flooders = await flood(`ws://127.0.0.1:${served.port}/`)
    // The oldest flooded channels were evicted: a new epoch at seq 0.
    const oldest = (await flooders[0]?.request({
      type: 'history',
      channel: 'flood-0-0',
    })) as HistoryReply
    expect(oldest.seq).toBe(0)
    expect(served.child.exitCode).toBeNull()
    expect(rssOf(served.child.pid ?? 0)).toBeLessThan(400 * 1024 * 1024)
  }, 60_000)

  it.each(['--max-history-bytes', 'the config key maxHistoryBytes'])(
    'SQLite engine, bound by %s: the same flood keeps the database file (with its write-ahead log) within the bound plus a slack; new publications are stored, the oldest channels evicted',
    async (boundBy) => {
      const maxHistoryBytes = 8 * 1024 * 1024
      // The write-ahead log (checkpointed at 1000 pages, about 4 MiB, plus the last commit), the
      // free pages kept for reuse (1/16 of the bound) and the bytes written between two checks
      // (1/64 of the bound): see docs/operations.md, "Limits and quotas".
      const slackBytes = 8 * 1024 * 1024
      const dataDir = join(root, boundBy.startsWith('--') ? 'sqlite-flag' : 'sqlite-config')
      const file = join(dataDir, 'hubbub.db')
      const config = join(root, `${boundBy.startsWith('--') ? 'flag' : 'config'}.json`)
      writeFileSync(config, JSON.stringify({ maxHistoryBytes }))
      const bound = boundBy.startsWith('--')
        ? ['--max-history-bytes', String(maxHistoryBytes)]
        : ['--config', config]
      const served = await serve([
        '--data',
        dataDir,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        ...bound,
        ...raisedBudgets,
      ])
      let largestBytes = 0
      const measure = () => {
        largestBytes = Math.max(largestBytes, sizeOf(file) + sizeOf(`${file}-wal`))
      }
      const flooders = await flood(`ws://127.0.0.1:${served.port}/`, measure)
      measure()
      // 60 MB were offered; without the bound the file holds them all.
      expect(largestBytes).toBeLessThanOrEqual(maxHistoryBytes + slackBytes)
      const [first] = flooders
      const oldest = (await first?.request({
        type: 'history',
        channel: 'flood-0-0',
      })) as HistoryReply
      expect(oldest.seq).toBe(0)
      const newest = (await first?.request({
        type: 'history',
        channel: 'flood-9-199',
      })) as HistoryReply
      expect(newest.seq).toBe(1)
      expect(newest.pubs).toHaveLength(1)
      // Still storing: a publication after the flood is kept.
      await first?.request({ type: 'publish', channel: 'after-flood', data: 'still here' })
      const after = (await first?.request({
        type: 'history',
        channel: 'after-flood',
      })) as HistoryReply
      expect(after.pubs).toHaveLength(1)
      expect(served.child.exitCode).toBeNull()
    },
    60_000,
  )
})
