/**
 * hubbub issue 11: a plain text line is held to `maxPublishBytes`, the limit a hubbub.v1 publish
 * has. A 65,000-character `/chat` line used to be stored and fanned out; now its sender gets a
 * `[Server]: ...` line, nothing is stored or relayed, and the others chat on. Every plain path.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps } from '../../src/apps/index.js'
import { Inbox, opened } from '../support/frames.js'
import { useServer } from '../support/harness.js'

const { start, url, track, connect } = useServer({
  apps: bundledApps(),
  logger: pino({ level: 'silent' }),
})

const REFUSED = '[Server]: Your message was not sent: lines are limited to 32768 bytes.'

const openPlain = async (path: string): Promise<{ ws: WebSocket; inbox: Inbox<string> }> => {
  const ws = track(new WebSocket(url(path)))
  const inbox = new Inbox<string>()
  ws.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(ws)
  return { ws, inbox }
}

describe('plain text lines past maxPublishBytes', () => {
  it('a 65,000-character /chat line is refused to its sender, not stored, not fanned out', async () => {
    await start()
    const observer = await connect('Observer')
    await observer.request({ type: 'subscribe', channel: 'chat:lobby' })
    const bob = await openPlain('/chat')
    bob.ws.send('Bob')
    await observer.next('join', (frame) => frame.type === 'join' && frame.member.name === 'Bob')
    const vic = await openPlain('/chat')
    vic.ws.send('Vic')
    await bob.inbox.take((line) => line === '[Server]: Vic has joined the chat.')

    vic.ws.send('x'.repeat(65_000))
    expect(await vic.inbox.take()).toBe(REFUSED)
    vic.ws.send('still here')
    // Bob's next line from Vic is the short one: the long one never reached him.
    expect(await bob.inbox.take((line) => line.startsWith('[Vic]: '))).toBe('[Vic]: still here')
    // Exactly at the limit (JSON-free bytes of the line) still goes through.
    vic.ws.send('y'.repeat(32_768))
    expect(await bob.inbox.take((line) => line.startsWith('[Vic]: '))).toBe(
      `[Vic]: ${'y'.repeat(32_768)}`,
    )
    const history = (await observer.request({ type: 'history', channel: 'chat:lobby' })) as {
      pubs: { data: { text: string } }[]
    }
    expect(history.pubs.map((pub) => pub.data.text.length)).toEqual([10, 32_768])
  })

  it('every plain path refuses the long line and keeps the connection', async () => {
    await start()
    for (const path of ['/', '/echo', '/upper', '/hello', '/broadcast', '/buzzer']) {
      const client = await openPlain(path)
      client.ws.send('z'.repeat(40_000))
      expect(await client.inbox.take(), path).toBe(REFUSED)
      expect(client.ws.readyState, path).toBe(WebSocket.OPEN)
    }
    const echo = await openPlain('/echo')
    echo.ws.send('short')
    expect(await echo.inbox.take()).toBe('Echo: short')
  })
})
