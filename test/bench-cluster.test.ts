/**
 * `npm run bench`'s targets on Redis, run as a user runs them (`node bench/main.js`, a child
 * process, small settings): the bench starts its own redis-server and hubbub nodes, every
 * subscriber on both nodes gets every publication, and nothing it started outlives it.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { isAlive } from './support/pid.js'

const run = promisify(execFile)
const SMALL = ['--quick', '--idle', '40', '--subscribers', '40', '--seconds', '1']
SMALL.push('--rate-seconds', '1', '--repeats', '1')

interface Phase {
  deliveriesPerSec: number
  missing: number
  duplicates: number
  partsCpuPct?: Record<string, number>
}

interface Result {
  skipped: Record<string, string>
  targets: Record<
    string,
    {
      median?: { closedLoop: Phase; rates: (Phase & { rate: number })[] }
      errors: Record<string, number>
      failures: string[]
      runs: { processes: { name: string; pid: number }[] }[]
    }
  >
}

describe('npm run bench on Redis', () => {
  it('hubbub-2nodes delivers every publication to subscribers on both nodes, and stops its servers', async () => {
    const { stdout } = await run(
      process.execPath,
      ['bench/main.js', '--targets', 'hubbub-2nodes', ...SMALL],
      { encoding: 'utf8' },
    )
    const file = /; (\S+\.json)$/mu.exec(stdout)?.[1]
    expect(file, stdout).toBeDefined()
    if (file === undefined) return
    const result = JSON.parse(readFileSync(file, 'utf8')) as Result
    rmSync(file)
    const target = result.targets['hubbub-2nodes']
    expect(target?.failures).toEqual([])
    expect(target?.errors).toEqual({})
    const figures = target?.median
    expect(figures?.closedLoop.deliveriesPerSec).toBeGreaterThan(0)
    expect(figures?.closedLoop.missing).toBe(0)
    expect(figures?.rates.map((r) => [r.rate, r.missing, r.duplicates])).toEqual([
      [50, 0, 0],
      [100, 0, 0],
      [200, 0, 0],
    ])
    const processes = target?.runs[0]?.processes ?? []
    expect(processes.map((p) => p.name)).toEqual(['node 1', 'node 2', 'redis'])
    expect(Object.keys(figures?.closedLoop.partsCpuPct ?? {})).toEqual([
      'node 1',
      'node 2',
      'redis',
    ])
    expect(stdout).toMatch(
      /^note: hubbub-2nodes: server CPU in the closed loop by process: node 1 /mu,
    )
    for (const { name, pid } of processes) expect([name, isAlive(pid)]).toEqual([name, false])
  }, 120_000)
})
