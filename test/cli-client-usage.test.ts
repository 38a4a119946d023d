/**
 * What every client command shares: `--help` with examples, exit 2 and one line for a bad command
 * line, exit 1 and one line when the server cannot be reached, `--url` / `HUBBUB_URL`.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { cliEnv, run } from './support/cli-client.js'

const CLIENT_COMMANDS = ['chat', 'sub', 'pub', 'presence', 'history', 'connect', 'buzz', 'bench']

/** A port nothing listens on: the OS picked it a moment ago and it was released. */
const closedPort = async (): Promise<number> => {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  await new Promise((resolve) => server.close(resolve))
  return address.port
}

// Every test runs the CLI to its end and leaves nothing behind: they may run side by side.
describe.concurrent('client commands', () => {
  it.each(CLIENT_COMMANDS)('%s --help prints usage with examples and exits 0', async (command) => {
    const result = await run([command, '--help'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(new RegExp(`^Usage: hubbub ${command} `, 'u'))
    expect(result.stdout).toContain('Examples:')
    expect(result.stdout).toContain('Exit codes:')
    expect(result.stdout).toContain('--url')
  })

  it('hubbub --help lists every command', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    for (const command of CLIENT_COMMANDS)
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'mu'))
  })

  it.each([
    [['sub'], /missing <channel>.*'hubbub sub --help'/u],
    [['sub', 'a', 'b'], /unexpected argument 'b'/u],
    [['sub', 'a', '--since', 'x'], /invalid --since "x"/u],
    [['pub', 'alerts'], /missing <data>/u],
    [['pub', 'alerts', 'a', 'b'], /unexpected argument 'b' \(quote data that has spaces\)/u],
    [['pub', 'alerts', 'x', '--bogus'], /unknown option '--bogus'.*'hubbub pub --help'/u],
    [['history', 'x', '--limit', '0'], /--limit must be 1 or more/u],
    [['presence'], /missing <channel>/u],
    [['chat', '--url', 'localhost:8765'], /invalid --url "localhost:8765"/u],
    [['chat', 'ws://a:1', '--url', 'ws://b:1'], /give the URL once/u],
    [['chat', '--room', 'two words'], /invalid --room "two words"/u],
    [['chat', '--name', ' '], /--name must not be empty/u],
    [
      ['chat', '--name', 'S\u0435rver'],
      /invalid --name: names that read as "Server" are reserved/u,
    ],
    [['sub', 'x', '--name', 'a\u001b[2Jb'], /invalid --name: name contains a control character/u],
    [['connect', 'ftp://x'], /invalid URL "ftp:\/\/x": expected ws:\/\/host:port/u],
    [['connect', 'ws://x', '--subprotocol', 'a b'], /invalid --subprotocol "a b"/u],
    [['buzz', '--room', ''], /--room must not be empty/u],
    [['bench', '--subscribers', '0'], /--subscribers must be 1 or more/u],
    [['bench', '--window', 'x'], /invalid --window "x"/u],
  ])('%j exits 2 with one line on stderr', async (args, message) => {
    const result = await run(args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^hubbub: [^\n]+ \(see 'hubbub [a-z]+ --help'\)\n$/u)
    expect(result.stderr).toMatch(message)
  })

  it('rejects a bad HUBBUB_URL with exit 2', async () => {
    const result = await run(['presence', 'x'], { env: cliEnv({ HUBBUB_URL: 'nope' }) })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^hubbub: invalid HUBBUB_URL "nope"/u)
  })

  it.each([
    [['sub', 'alerts']],
    [['pub', 'alerts', '{"a":1}']],
    [['presence', 'chat:lobby']],
    [['history', 'chat:lobby']],
    [['chat', '--name', 'Alice']],
    [['connect']],
    [['buzz']],
    [['bench']],
  ])('%j exits 1 with one line when no server listens', async (args) => {
    const port = await closedPort()
    const url = `ws://127.0.0.1:${port}`
    const result = await run(args, { env: cliEnv({ HUBBUB_URL: url }) })
    expect(result).toMatchObject({ code: 1, stdout: '' })
    expect(result.stderr).toBe(
      `hubbub: cannot reach ${url}: connection refused; is \`hubbub serve\` running?\n`,
    )
  })

  it('--url wins over HUBBUB_URL', async () => {
    const port = await closedPort()
    const url = `ws://127.0.0.1:${port}`
    const result = await run(['history', 'x', '--url', url], {
      env: cliEnv({ HUBBUB_URL: 'ws://127.0.0.1:1' }),
    })
    expect(result.stderr).toContain(`cannot reach ${url}:`)
  })
})
