/**
 * hubbub issue 11: the buzzer's bounds are settable on `hubbub serve` (flag and config key), and
 * a plain line past maxPublishBytes is refused there too. Against real `hubbub serve` processes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Inbox, opened } from '../support/frames.js'
import { useServeProcesses } from '../support/cli-process.js'
import { TestClient } from '../support/protocol-client.js'

const { serve } = useServeProcesses()

const plain = async (port: number, path: string) => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`)
  const inbox = new Inbox<string>()
  ws.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(ws)
  return { ws, inbox }
}

const buzzTwice = async (port: number): Promise<string[]> => {
  const first = await plain(port, '/buzzer')
  const second = await plain(port, '/buzzer')
  try {
    first.ws.send('buzz')
    const a = await first.inbox.take()
    second.ws.send('buzz')
    return [a, await second.inbox.take()]
  } finally {
    first.ws.terminate()
    second.ws.terminate()
  }
}

const FULL = 'The round has as many players from your address as it takes.'

describe('hubbub serve: app limits', () => {
  it('--max-buzzer-players-per-source 1 lets one plain player per address into a round', async () => {
    const { port } = await serve([
      '--memory',
      '--port',
      '0',
      '--max-buzzer-players-per-source',
      '1',
    ])
    expect(await buzzTwice(port)).toEqual(['First place!', FULL])
    const long = await plain(port, '/echo')
    long.ws.send('x'.repeat(40_000))
    expect(await long.inbox.take()).toBe(
      '[Server]: Your message was not sent: lines are limited to 32768 bytes.',
    )
    long.ws.terminate()
  })

  it('the config key maxBuzzerPlayersPerSource does the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubbub-app-limits-'))
    const file = join(dir, 'hubbub.json')
    writeFileSync(file, JSON.stringify({ maxBuzzerPlayersPerSource: 1 }))
    const { port } = await serve(['--memory', '--port', '0', '--config', file])
    expect(await buzzTwice(port)).toEqual(['First place!', FULL])
  })

  it('--max-counters 1 keeps one counter: a second evicts the first, nobody watching it', async () => {
    const { port } = await serve(['--memory', '--port', '0', '--max-counters', '1'])
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/`, 'Counter')
    try {
      const add = (name: string) =>
        client.request({ type: 'rpc', method: 'counter.add', params: { name, delta: 1 } })
      expect(await add('a')).toEqual({ value: 1 })
      expect(await add('a')).toEqual({ value: 2 })
      expect(await add('b')).toEqual({ value: 1 })
      expect(await add('a')).toEqual({ value: 1 })
    } finally {
      client.ws.terminate()
    }
  })
})
