/**
 * Issue 11: a client whose every request fails must not fill the disk with log lines. A real
 * `hubbub serve` logging at debug gets many bad HTTP requests (with a secret in their headers):
 * it writes `--max-failure-log-lines` of them, then one "suppressed N" line, and never the secret.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { useLimitedServe } from './serve-process.js'

const { serve } = useLimitedServe()
const SECRET = 'sekret-Bearer-8b1f0c2d9e7a4b6c'
const FAILURES = 200

/** Sends a request Node's parser refuses; resolves once the server has closed the socket. */
const badRequest = async (port: number): Promise<void> => {
  const socket = connect({ host: '127.0.0.1', port })
  socket.on('error', () => {
    // Reset after the 400: the close is what counts.
  })
  socket.on('data', () => {
    // The 400 answer.
  })
  socket.write(`G\u0001T /?token=${SECRET} HTTP/1.1\r\nAuthorization: Bearer ${SECRET}\r\n\r\n`)
  await once(socket, 'close')
}

/** stderr's JSON lines whose message is `msg`. */
const linesOf = (stderr: string, msg: string): Record<string, unknown>[] =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg)

describe('failure log lines', () => {
  it('logs 10 failures of a kind per window, then one summary at shutdown, never a secret', async () => {
    const server = await serve(['--log-level', 'debug'])
    for (let i = 0; i < FAILURES; i += 20)
      await Promise.all(Array.from({ length: 20 }, () => badRequest(server.port)))
    await server.stop()
    const stderr = server.stderr()
    expect(linesOf(stderr, 'bad HTTP request')).toHaveLength(10)
    const summaries = stderr.split('\n').filter((line) => line.includes('suppressed'))
    expect(summaries).toHaveLength(1)
    expect(JSON.parse(summaries[0] ?? '')).toMatchObject({ suppressed: FAILURES - 10 })
    expect(stderr).not.toContain(SECRET)
    // Bounded: the lines of 200 failures fit in a few kilobytes.
    expect(Buffer.byteLength(stderr)).toBeLessThan(16_384)
  }, 60_000)

  it('writes the summary when the window ends, then logs again', async () => {
    const server = await serve([
      '--log-level',
      'debug',
      '--max-failure-log-lines',
      '3',
      '--failure-log-window',
      '1000',
    ])
    const summary = new Promise<void>((resolve) => {
      server.child.stderr?.on('data', () => {
        if (server.stderr().includes('"suppressed":7')) resolve()
      })
    })
    await Promise.all(Array.from({ length: 10 }, () => badRequest(server.port)))
    await summary
    await badRequest(server.port)
    await server.stop()
    expect(linesOf(server.stderr(), 'bad HTTP request')).toHaveLength(4)
  }, 30_000)
})
