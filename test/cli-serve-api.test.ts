/**
 * `hubbub serve --api-key` (and HUBBUB_API_KEY) as an operator runs it: the built CLI in a child
 * process, a real `curl` publishing through the HTTP API, and a `hubbub sub` receiving it.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { run, useCliClients } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'

const { serve } = useServeProcesses()
const { start } = useCliClients()

const KEY = 'cli-api-key-0123456789abcdef'

/** `curl -X POST` to `url` with a JSON body (and the key, if given): resolves status and body. */
const curl = async (
  url: string,
  body: unknown,
  key?: string,
): Promise<{ status: number; json: unknown }> => {
  const args = [
    '-sS',
    '-X',
    'POST',
    '-H',
    'Content-Type: application/json',
    '-d',
    JSON.stringify(body),
  ]
  if (key !== undefined) args.push('-H', `Authorization: Bearer ${key}`)
  const { stdout } = await promisify(execFile)('curl', [...args, '-w', '\n%{http_code}', url])
  const newline = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(newline + 1)), json: JSON.parse(stdout.slice(0, newline)) }
}

describe('hubbub serve --api-key', () => {
  it('a curl POST /api/publish with the key from --api-key reaches a hubbub sub', async () => {
    const { port } = await serve(['--memory', '--port', '0', '--api-key', KEY])
    const sub = start(['sub', 'alerts', '--json', '--url', `ws://127.0.0.1:${port}`])
    await sub.stderr.next(/^hubbub: listening to alerts/)
    const answer = await curl(
      `http://127.0.0.1:${port}/api/publish`,
      { channel: 'alerts', data: { disk: 91 } },
      KEY,
    )
    expect(answer).toMatchObject({ status: 200, json: { result: { seq: 1 } } })
    const line = await sub.stdout.next(/"seq":1/)
    expect(JSON.parse(line)).toMatchObject({ channel: 'alerts', seq: 1, data: { disk: 91 } })

    const wrong = await curl(
      `http://127.0.0.1:${port}/api/publish`,
      { channel: 'alerts', data: 1 },
      `${KEY}x`,
    )
    expect(wrong).toEqual({
      status: 401,
      json: {
        error: {
          code: 'unauthorized',
          message: 'send the API key as "Authorization: Bearer <key>"',
        },
      },
    })
  })

  it('takes the key from HUBBUB_API_KEY, and the body limit from --max-api-body-bytes', async () => {
    const { port } = await serve(['--memory', '--port', '0', '--max-api-body-bytes', '2048'], {
      HUBBUB_API_KEY: KEY,
    })
    const url = `http://127.0.0.1:${port}/api/publish`
    expect((await curl(url, { channel: 'a', data: 1 }, KEY)).status).toBe(200)
    const big = await curl(url, { channel: 'a', data: 'x'.repeat(3_000) }, KEY)
    expect(big).toMatchObject({ status: 413, json: { error: { code: 'too_large' } } })
  })

  it('answers 404 on /api without a key', async () => {
    const { port } = await serve(['--memory', '--port', '0'])
    const answer = await curl(
      `http://127.0.0.1:${port}/api/publish`,
      { channel: 'a', data: 1 },
      KEY,
    )
    expect(answer).toEqual({
      status: 404,
      json: { error: { code: 'not_found', message: 'the HTTP API is off (no API key is set)' } },
    })
  })

  it('refuses a short key with exit 2, naming the flag or the variable', async () => {
    const flag = await run(['serve', '--memory', '--port', '0', '--api-key', 'short'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('--api-key must be at least 16 characters')
    const env = await run(['serve', '--memory', '--port', '0'], {
      env: { ...process.env, HUBBUB_API_KEY: 'short' },
    })
    expect(env.code).toBe(2)
    expect(env.stderr).toContain('HUBBUB_API_KEY must be at least 16 characters')
  })

  it('documents the flags in --help', async () => {
    const { stdout } = await run(['serve', '--help'])
    for (const flag of [
      '--api-key',
      '--max-api-body-bytes',
      '--max-broadcast-channels',
      'HUBBUB_API_KEY',
    ])
      expect(stdout).toContain(flag)
  })
})
