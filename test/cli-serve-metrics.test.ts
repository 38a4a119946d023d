/**
 * `hubbub serve` as an operator runs it, in a child process: `/metrics` on by default and counting
 * a real client, `--no-metrics` (and HUBBUB_METRICS=0), `--metrics-require-key`, and `/readyz`.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { CLI, useServeProcesses } from './support/cli-process.js'
import { getText, scrape } from './support/metrics-text.js'
import { TestClient } from './support/protocol-client.js'

const { serve } = useServeProcesses()
const KEY = 'cli-api-key-0123456789abcdef'
const MEMORY = ['--memory', '--host', '127.0.0.1', '--port', '0']

describe('hubbub serve: /metrics and /readyz', () => {
  it('serves /metrics by default, counting a connected client, and /readyz 200', async () => {
    const { port } = await serve(MEMORY)
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/`, 'Alice')
    try {
      const read = await scrape(port)
      expect(read('hubbub_connections', { protocol: 'hubbub.v1' })).toBe(1)
      expect(read('process_resident_memory_bytes')).toBeGreaterThan(0)
    } finally {
      client.ws.terminate()
    }
    expect((await getText(port, '/readyz')).status).toBe(200)
  })

  it('answers 404 at /metrics with --no-metrics, and with HUBBUB_METRICS=0', async () => {
    const flagged = await serve([...MEMORY, '--no-metrics'])
    expect((await getText(flagged.port, '/metrics')).status).toBe(404)
    const fromEnv = await serve(MEMORY, { HUBBUB_METRICS: '0' })
    expect((await getText(fromEnv.port, '/metrics')).status).toBe(404)
  })

  it('asks for the API key with --metrics-require-key', async () => {
    const { port } = await serve([...MEMORY, '--api-key', KEY, '--metrics-require-key'])
    expect((await getText(port, '/metrics')).status).toBe(401)
    expect((await getText(port, '/metrics', KEY)).status).toBe(200)
  })

  it('exits 2 on --metrics-require-key without an API key', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', ...MEMORY, '--metrics-require-key'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    await once(child, 'close')
    expect(child.exitCode).toBe(2)
    expect(stderr).toMatch(/^hubbub: --metrics-require-key needs --api-key/)
  })
})
