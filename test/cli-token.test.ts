/**
 * JWT in two commands, as README shows it: `hubbub serve --jwt-secret` and `hubbub token`, then a
 * client command with `--token`. Real child processes, a real WebSocket subscriber.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { TestClient } from './support/protocol-client.js'
import { cliEnv, run } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'

const SECRET = 'cli-token-test-secret-of-32-chars!!'
const { serve } = useServeProcesses()
const clients: TestClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.ws.terminate()
})

const watch = async (port: number, channel: string) => {
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/`, 'Watcher')
  clients.push(client)
  await client.request({ type: 'subscribe', channel })
  return client
}

describe('hubbub token', () => {
  it('mints a token that hubbub serve --jwt-secret accepts as its sub; a forged one is refused', async () => {
    const { port } = await serve(['--memory', '--port', '0', '--jwt-secret', SECRET])
    const url = `ws://127.0.0.1:${port}`
    const minted = await run(['token', '--sub', 'alice', '--name', 'Alice', '--ttl', '1h'], {
      env: cliEnv({ HUBBUB_JWT_SECRET: SECRET }),
    })
    expect(minted).toMatchObject({ code: 0, stderr: '' })
    const token = minted.stdout.trim()
    expect(token.split('.')).toHaveLength(3)

    const watcher = await watch(port, 'room:jwt')
    const published = await run(['pub', 'room:jwt', 'hello', '--url', url, '--token', token])
    expect(published).toMatchObject({ code: 0 })
    const { pub } = await watcher.next('pub')
    expect(pub.from).toMatchObject({ user: 'alice', name: 'Alice' })

    // HUBBUB_TOKEN works as --token does.
    const fromEnv = await run(['pub', 'room:jwt', 'again', '--url', url], {
      env: cliEnv({ HUBBUB_TOKEN: token }),
    })
    expect(fromEnv).toMatchObject({ code: 0 })
    expect((await watcher.next('pub')).pub.from).toMatchObject({ user: 'alice' })

    // Signed with another secret: refused with 4501, nothing published.
    const forged = await run(
      ['token', '--sub', 'alice', '--jwt-secret', 'not-the-servers-secret-but-32-chars'],
      { env: cliEnv() },
    )
    const refused = await run([
      'pub',
      'room:jwt',
      'forged',
      '--url',
      url,
      '--token',
      forged.stdout.trim(),
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/token signature is invalid \(4501\)/)
    // Without a token, the same command is an anonymous user.
    const anonymous = await run(['pub', 'room:jwt', 'anon', '--url', url])
    expect(anonymous.code).toBe(0)
    const last = await watcher.next('pub')
    expect(last.pub.data).toEqual({ text: 'anon' })
    expect(String(last.pub.from?.user)).toMatch(/^anon:/)
  })

  it('says what is wrong with its command line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['token', '--jwt-secret', SECRET], /missing --sub/],
      [['token', '--sub', 'a'], /no secret: give --jwt-secret or set HUBBUB_JWT_SECRET/],
      [['token', '--sub', 'a', '--jwt-secret', 'short'], /--jwt-secret must be at least 32/],
      [['token', '--sub', 'anon:x', '--jwt-secret', SECRET], /--sub must not start with anon:/],
      [['token', '--sub', 'a', '--ttl', '1y', '--jwt-secret', SECRET], /invalid --ttl "1y"/],
      [['token', '--sub', 'a', '--info', '{', '--jwt-secret', SECRET], /invalid --info/],
      [['serve', '--memory', '--jwt-secret', 'short'], /--jwt-secret must be at least 32/],
      [
        ['serve', '--memory', '--jwt-secret', SECRET, '--jwt-jwks', 'https://x/jwks'],
        /--jwt-secret and --jwt-jwks exclude each other/,
      ],
      [['serve', '--memory', '--jwt-audience', 'x'], /--jwt-audience needs --jwt-secret/],
      [
        ['serve', '--memory', '--jwt-public-key', '/nonexistent.pem'],
        /cannot read --jwt-public-key/,
      ],
    ]
    for (const [args, message] of cases) {
      const outcome = await run(args, { env: cliEnv() })
      expect({ args, code: outcome.code }).toEqual({ args, code: 2 })
      expect(outcome.stderr).toMatch(message)
    }
  })
})
