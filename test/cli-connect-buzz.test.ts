/**
 * `hubbub connect` (a raw WebSocket console) and `hubbub buzz` (the buzzer app's rounds, shared
 * with plain /buzzer clients), piped and in a pseudo-terminal, against a `hubbub serve` process.
 */
import { describe, expect, it } from 'vitest'
import { useCliClients } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'
import { usePtys } from './support/pty.js'

const { serve } = useServeProcesses()
const { start, run } = useCliClients()
const { start: startInPty } = usePtys()

const startServer = async () => {
  const served = await serve(['--port', '0', '--memory'])
  return { served, url: `ws://127.0.0.1:${served.port}` }
}

describe('hubbub connect', () => {
  it('sends each piped line as a message and prints each message received, one a line', async () => {
    const { url } = await startServer()
    const result = await run(['connect', `${url}/echo`], { input: 'hello\nwith spaces \n' })
    expect(result).toEqual({
      code: 0,
      signal: null,
      stdout: 'Echo: hello\nEcho: with spaces \n',
      stderr: '',
    })
  })

  it('speaks hubbub.v1 when offered with --subprotocol', async () => {
    const { url } = await startServer()
    const console = start(['connect', url, '--subprotocol', 'hubbub.v1'])
    console.write('{"type":"connect","id":1,"name":"Ann"}\n')
    const reply = JSON.parse(await console.stdout.next(/"id":1/)) as unknown
    expect(reply).toMatchObject({ type: 'reply', id: 1, result: { name: 'Ann' } })
    console.write('{"type":"publish","id":2,"channel":"news","data":{"n":1}}\n')
    expect(JSON.parse(await console.stdout.next(/"id":2/))).toEqual({
      type: 'reply',
      id: 2,
      result: { seq: 1 },
    })
    console.end()
    expect(await console.exited).toEqual({ code: 0, signal: null })
  })

  it('exits 1 with the code and reason when the server closes with an error', async () => {
    const { url } = await startServer()
    const result = await run(['connect', url, '-s', 'hubbub.v1'], { input: '{"type":"ping"}\n' })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^hubbub: the server closed the connection: the first frame must be connect[^\n]*\(4500\)\n$/,
    )
  })

  it('shows what is received above the prompt in a terminal, and what was sent', async () => {
    const { url } = await startServer()
    const term = startInPty(['connect', `${url}/upper`], { columns: 80, rows: 8 })
    await term.waitFor('the prompt', (screen) => screen.rows()[1] === '>')
    term.type('shout\r')
    await term.waitFor(
      'the answer',
      (screen) => screen.rows()[2] === '< SHOUT' && screen.rows()[3] === '>',
    )
    expect(term.screen.rows().filter((row) => row !== '')).toEqual([
      `* connected to ${url}/upper; Ctrl+D or Ctrl+C to quit`,
      '> shout',
      '< SHOUT',
      '>',
    ])
    term.type('\u0004')
    expect(await term.exited).toEqual({ code: 0, signal: null })
  })
})

describe('hubbub buzz', () => {
  it('buzzes once per piped line in the round of the web buzzer and plain /buzzer clients', async () => {
    const { url, served } = await startServer()
    const host = start(['buzz', url, '--host', '--name', 'Quizmaster'])
    host.write('open\n')
    await host.stdout.next(/^\* a round is open: buzz!$/)
    const first = await run(['buzz', url, '--name', 'Alice'], { input: '\n\n' })
    expect(first).toMatchObject({ code: 0, stderr: '' })
    expect(first.stdout.split('\n').filter((line) => !line.startsWith('*'))).toEqual([
      'First place!',
      'You already buzzed in this round: first place.',
      '',
    ])
    const second = await run(['buzz', '--url', url, '--room', 'main', '--name', 'Bob'], {
      input: 'buzz\n',
    })
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^2nd place, \d+\.\d\d s slower\.$/mu)
    // A plain WebSocket client of /buzzer plays in the same round.
    const plain = await run(['connect', `ws://127.0.0.1:${served.port}/buzzer`], {
      input: 'buzz\n',
    })
    expect(plain.stdout).toMatch(/^Response time: \d+\.\d\d sec slower\.\n$/u)
    host.write('close\n')
    const over = await host.stdout.next(/^\* round over: /)
    expect(over).toMatch(
      /^\* round over: 1\. Alice, 2\. Bob \+\d\.\d\d s, 3\. Player 1 \+\d\.\d\d s$/u,
    )
    const late = await run(['buzz', url, '--name', 'Carol'], { input: '\n' })
    expect(late.stdout).toContain('The round is closed.\n')
    host.end()
    expect(await host.exited).toEqual({ code: 0, signal: null })
  })

  it('exits 1 when the room name is refused', async () => {
    const { url } = await startServer()
    const result = await run(['buzz', url, '--room', 'no spaces'], { input: '\n' })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^hubbub: cannot join the buzzer room no spaces: .*\(bad_request\)\n$/u,
    )
  })

  it('buzzes with the space bar in a terminal and quits with q', async () => {
    const { url } = await startServer()
    const term = startInPty(['buzz', url, '--name', 'Alice'], { columns: 80, rows: 8 })
    await term.waitFor('the hint', (screen) =>
      screen.rows().includes('* room main: press space to buzz, q to quit'),
    )
    term.type(' ')
    await term.waitFor('the answer', (screen) => screen.rows().includes('First place!'))
    term.type('q')
    expect(await term.exited).toEqual({ code: 0, signal: null })
  })
})
