/**
 * hubbub issue 11, the buzzer: junk rooms must not evict a live hosted round, and one source must
 * not fill a round with fake players. Real protocol and plain clients on loopback.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  createBuzzerApp,
  createBuzzerRooms,
  createTextApp,
  type BuzzerRoomsOptions,
  type BuzzerSnapshot,
} from '../../src/apps/index.js'
import { Inbox, opened } from '../support/frames.js'
import { useServer } from '../support/harness.js'
import type { TestClient } from '../support/protocol-client.js'

const { start, connect, track, url } = useServer()

const startBuzzer = async (options: BuzzerRoomsOptions): Promise<void> => {
  const rooms = createBuzzerRooms({ autoCloseMs: 600_000, ...options })
  await start({ apps: [createTextApp({ buzzerRooms: rooms }), createBuzzerApp({ rooms })] })
}

const rpc = (client: TestClient, method: string, params: unknown) =>
  client.call({ type: 'rpc', method, params })

const codeOf = (reply: Record<string, unknown>): string =>
  'error' in reply ? (reply.error as { code: string }).code : 'ok'

const openPlain = async (): Promise<{ ws: WebSocket; inbox: Inbox<string> }> => {
  const ws = track(new WebSocket(url('/buzzer')))
  const inbox = new Inbox<string>()
  ws.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(ws)
  return { ws, inbox }
}

describe('buzzer rooms under junk', () => {
  it('junk rooms evict idle rooms, never a hosted one; with only hosted rooms left, a new one is quota', async () => {
    await startBuzzer({ maxRooms: 3 })
    const host = await connect('Host')
    expect(codeOf(await rpc(host, 'buzzer.open', { room: 'quiz' }))).toBe('ok')
    const attacker = await connect('Attacker')
    for (let i = 0; i < 10; i += 1)
      expect(codeOf(await rpc(attacker, 'buzzer.buzz', { room: `junk-${i}` }))).toBe('ok')
    const player = await connect('Player')
    const state = (await player.request({ type: 'subscribe', channel: 'buzzer:quiz' })) as {
      state: BuzzerSnapshot
    }
    expect(state.state).toMatchObject({ open: true, hosted: true })
    expect(codeOf(await rpc(player, 'buzzer.buzz', { room: 'quiz' }))).toBe('ok')

    expect(codeOf(await rpc(host, 'buzzer.open', { room: 'quiz-2' }))).toBe('ok')
    expect(codeOf(await rpc(host, 'buzzer.open', { room: 'quiz-3' }))).toBe('ok')
    const refused = await rpc(attacker, 'buzzer.buzz', { room: 'junk-more' })
    expect(refused.error).toMatchObject({ code: 'quota' })
    expect(codeOf(await rpc(attacker, 'buzzer.open', { room: 'junk-host' }))).toBe('quota')
    // The hosted rounds play on.
    expect(codeOf(await rpc(attacker, 'buzzer.buzz', { room: 'quiz-3' }))).toBe('ok')
  })

  it('one address fills at most maxPlayersPerSource seats of a round; others still join', async () => {
    await startBuzzer({})
    const host = await connect('Host')
    expect(codeOf(await rpc(host, 'buzzer.open', { room: 'main' }))).toBe('ok')
    const answers: string[] = []
    for (let i = 0; i < 6; i += 1) {
      const fake = await openPlain()
      fake.ws.send('buzz')
      answers.push(await fake.inbox.take())
    }
    expect(answers.slice(4)).toEqual([
      'The round has as many players from your address as it takes.',
      'The round has as many players from your address as it takes.',
    ])
    expect(answers.slice(0, 4).every((line) => !line.includes('as many players'))).toBe(true)
    // A real player who is not on that address (a protocol client is its user) joins.
    const real = await connect('Real')
    const reply = await rpc(real, 'buzzer.buzz', { room: 'main' })
    expect(reply.result).toMatchObject({ place: 5, repeat: false })
  })
})
