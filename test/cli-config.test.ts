/**
 * `hubbub serve --config FILE` as a user runs it: permissions and `anonymous: false` from a JSON
 * file take effect, and a file with a mistake stops the server before it starts, exit 2, one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { opened } from './support/frames.js'
import { cliEnv, run } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'
import { TestClient } from './support/protocol-client.js'

const SECRET = 'cli-config-test-secret-of-32-chars!'
const dir = mkdtempSync(join(tmpdir(), 'hubbub-config-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})
const { serve } = useServeProcesses()
const clients: TestClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.ws.terminate()
})

const writeConfig = (name: string, config: unknown): string => {
  const file = join(dir, name)
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config))
  return file
}

describe('hubbub serve --config', () => {
  it('applies the file: anonymous off, a users-only channel, a server-only one', async () => {
    const file = writeConfig('locked.json', {
      anonymous: false,
      channels: {
        'staff:*': { access: { subscribe: 'users', publish: 'users' } },
        'news:*': { access: { publish: 'server' } },
      },
    })
    const { port } = await serve([
      '--memory',
      '--port',
      '0',
      '--jwt-secret',
      SECRET,
      '--config',
      file,
    ])
    const url = `ws://127.0.0.1:${port}/`

    const anon = new TestClient(url)
    clients.push(anon)
    await opened(anon.ws)
    expect(await anon.call({ type: 'connect', name: 'Anon' })).toMatchObject({
      error: { code: 'unauthorized' },
    })
    expect((await anon.closed).code).toBe(4501)

    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new TextEncoder().encode(SECRET))
    const alice = await TestClient.connect(url, 'Alice', { token: jwt })
    clients.push(alice)
    await alice.request({ type: 'subscribe', channel: 'staff:1' })
    await alice.request({ type: 'publish', channel: 'staff:1', data: 'hi' })
    await expect(alice.request({ type: 'publish', channel: 'news:1', data: 'x' })).rejects.toThrow(
      /^forbidden/,
    )
  })

  it('refuses a file with a mistake before starting: exit 2, one line naming the key', async () => {
    const cases: [string, RegExp][] = [
      [writeConfig('typo.json', { anonimous: false }), /typo\.json: anonimous: unknown key/],
      [
        writeConfig('level.json', { channels: { 'a:*': { access: { publish: 'admins' } } } }),
        /level\.json: channels\["a:\*"\]\.access\.publish: expected one of everyone/,
      ],
      [writeConfig('broken.json', '{"anonymous": '), /broken\.json: not JSON/],
      [join(dir, 'missing.json'), /cannot read the config file .*missing\.json/],
    ]
    for (const [file, message] of cases) {
      const outcome = await run(['serve', '--memory', '--port', '0', '--config', file], {
        env: cliEnv(),
      })
      expect(outcome.code).toBe(2)
      expect(outcome.stdout).toBe('')
      expect(outcome.stderr.trim().split('\n')).toHaveLength(1)
      expect(outcome.stderr).toMatch(message)
    }
  })

  it('names a near miss and a wrong type', async () => {
    const cases: [unknown, string][] = [
      [{ anonimous: false }, 'anonimous: unknown key; did you mean anonymous?'],
      [
        { maxConectionsPerIp: 5 },
        'maxConectionsPerIp: unknown key; did you mean maxConnectionsPerIp?',
      ],
      [{ port: '80' }, 'port: expected a whole number from 0 to 65535'],
      [{ metrics: 'yes' }, 'metrics: expected'],
    ]
    for (const [config, message] of cases) {
      const file = writeConfig('mistake.json', config)
      const outcome = await run(['serve', '--memory', '--port', '0', '--config', file], {
        env: cliEnv(),
      })
      expect(outcome.code).toBe(2)
      expect(outcome.stderr.trim().split('\n')).toHaveLength(1)
      expect(outcome.stderr).toContain(`mistake.json: ${message}`)
    }
  })

  it('--print-config: flags over environment over file over defaults, secrets masked', async () => {
    const apiKey = 'print-config-api-key-0123456789abcdef'
    const file = writeConfig('print.json', {
      apiKey,
      maxConnections: 10,
      maxConnectionsPerIp: 10,
      requestsPerSecond: 10,
      engine: { kind: 'redis', redisUrl: 'redis://user:hunter2-password@127.0.0.1:6390/0' },
      webhooks: [
        {
          url: 'http://127.0.0.1:9/hooks',
          events: ['connect'],
          secret: 'whsec-print-config-secret',
        },
      ],
    })
    const outcome = await run(
      ['serve', '--config', file, '--print-config', '--max-connections-per-ip', '30'],
      { env: cliEnv({ HUBBUB_MAX_CONNECTIONS: '20', HUBBUB_MAX_CONNECTIONS_PER_IP: '20' }) },
    )
    expect(outcome.code).toBe(0)
    const effective = JSON.parse(outcome.stdout) as Record<string, unknown>
    expect(effective).toMatchObject({
      maxConnectionsPerIp: 30, // the flag
      maxConnections: 20, // the environment
      requestsPerSecond: 10, // the file
      pingIntervalMs: 25_000, // the default
      apiKey: '********',
      engine: { kind: 'redis', redisUrl: 'redis://user:********@127.0.0.1:6390/0' },
      webhooks: [{ url: 'http://127.0.0.1:9/hooks', secret: '********' }],
    })
    for (const secret of [apiKey, 'hunter2-password', 'whsec-print-config-secret'])
      expect(outcome.stdout + outcome.stderr).not.toContain(secret)
  })
})
