/**
 * `hubbub bench <url>` against a real `hubbub serve` child process: the generator of
 * `npm run bench` (bench/remote.js) run through the CLI, with small settings.
 */
import { describe, expect, it } from 'vitest'
import { run } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'

const SMALL = ['--subscribers', '20', '--seconds', '1', '--rate-seconds', '1']

interface Phase {
  deliveriesPerSec: number
  missing: number
  serverCpuPct?: number
}

describe('hubbub bench', () => {
  const { serve } = useServeProcesses()

  it('measures a running server and prints the table', async () => {
    const { port } = await serve(['--memory', '--host', '127.0.0.1', '--port', '0'])
    const result = await run(['bench', `ws://127.0.0.1:${port}`, ...SMALL])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const lines = result.stdout.split('\n')
    expect(lines[0]).toBe(
      `hubbub bench ws://127.0.0.1:${port}: 20 subscribers on channel bench, ` +
        '200 publisher connections, window 20, batching on',
    )
    expect(lines[1]).toMatch(/^connection setup: [\d,]+ connections\/s \(20, 100 at a time\)$/u)
    for (const phase of ['closed loop', '50/s', '100/s', '200/s'])
      expect(lines.some((line) => line.startsWith(phase))).toBe(true)
    expect(result.stdout).toContain('missing 0, errors and closes: {}')
  })

  it('--json gives every figure, the server CPU from sys:metrics included', async () => {
    const { port } = await serve(['--memory', '--host', '127.0.0.1', '--port', '0'])
    const result = await run(['bench', '--url', `ws://127.0.0.1:${port}`, ...SMALL, '--json'])
    expect(result.code).toBe(0)
    const figures = JSON.parse(result.stdout) as {
      setup: { connections: number; perSec: number }
      closedLoop: Phase
      rates: (Phase & { rate: number })[]
      errors: Record<string, number>
    }
    expect(figures.setup.connections).toBe(20)
    expect(figures.closedLoop.deliveriesPerSec).toBeGreaterThan(0)
    expect(figures.closedLoop.missing).toBe(0)
    expect(figures.rates.map((r) => [r.rate, r.missing])).toEqual([
      [50, 0],
      [100, 0],
      [200, 0],
    ])
    expect(figures.errors).toEqual({})
  })
})
