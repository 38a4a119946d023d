/**
 * Names and texts that cannot lie, over real sockets: display names are normalised and checked
 * at connect and at the plain /chat name prompt, and plain clients see every relayed message as
 * one line, with others' control characters made visible.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps } from '../src/apps/index.js'
import { Inbox, opened } from './support/frames.js'
import { TestClient } from './support/protocol-client.js'
import { useServer } from './support/harness.js'

const ESC = '\u001b'
const { start, url, connect, track } = useServer({
  apps: bundledApps(),
  logger: pino({ level: 'warn' }),
})

interface PlainClient {
  send(text: string): void
  /** The next text message, in order. */
  next(): Promise<string>
}

const connectPlain = async (path = '/chat'): Promise<PlainClient> => {
  const ws = track(new WebSocket(url(path)))
  const inbox = new Inbox<string>()
  ws.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(ws)
  return {
    send: (text) => {
      ws.send(text)
    },
    next: () => inbox.take(),
  }
}

/** A protocol client subscribed to chat:lobby, to see who joins and what is said. */
const observeLobby = async (): Promise<TestClient> => {
  const observer = await connect('Observer')
  await observer.request({ type: 'subscribe', channel: 'chat:lobby' })
  return observer
}

/** A plain /chat client named `name`; resolves once `observer` saw it join. */
const joinChat = async (observer: TestClient, name: string): Promise<PlainClient> => {
  const client = await connectPlain()
  client.send(name)
  await observer.next('join', (frame) => frame.type === 'join' && frame.member.name === name)
  return client
}

const hasRawControl = (text: string): boolean =>
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/u.test(text)

describe('display names at connect', () => {
  it('refuses a protocol client named Sеrver (Cyrillic е) with bad_request, then lets it pick another', async () => {
    await start()
    const client = track(new TestClient(url()))
    await opened(client.ws)
    const refused = await client.call({ type: 'connect', name: 'S\u0435rver' })
    expect(refused).toMatchObject({
      error: { code: 'bad_request', message: 'names that read as "Server" are reserved' },
    })
    for (const name of [
      'Ｓｅｒｖｅｒ',
      'S e r v e r',
      '[Server]',
      'Admin',
      `Vic${ESC}[2J`,
      'a\u202eb',
    ]) {
      const reply = await client.call({ type: 'connect', name })
      expect(reply, name).toMatchObject({ error: { code: 'bad_request' } })
    }
    const accepted = await client.request({ type: 'connect', name: '  Vic \t Smith ' })
    expect(accepted).toMatchObject({ name: 'Vic Smith' })
  })

  it('takes a verified token’s name as the operator’s: not reserved, but its controls removed', async () => {
    await start({
      authenticate: (token) => ({ user: `user:${token}`, name: `Admin${ESC}]0;x\u0007\nBot` }),
    })
    const client = await connect('ignored', { token: 'ops' })
    expect(client.member).toMatchObject({ user: 'user:ops', name: 'Admin]0;x Bot' })
  })
})

describe('the plain /chat name prompt', () => {
  it('refuses Server and a name with ESC with an error line and a new prompt, then takes a good one', async () => {
    await start()
    const observer = await observeLobby()
    const mallory = await connectPlain()
    mallory.send('Server')
    expect(await mallory.next()).toBe(
      '[Server]: That name cannot be used: names that read as "Server" are reserved.',
    )
    expect(await mallory.next()).toBe('[Server]: Send another name to join the chat.')
    mallory.send(`Vic${ESC}[31m`)
    expect(await mallory.next()).toBe(
      '[Server]: That name cannot be used: name contains a control character (U+001B).',
    )
    expect(await mallory.next()).toBe('[Server]: Send another name to join the chat.')
    mallory.send('Mallory')
    const joined = await observer.next('join')
    // Nobody joined under a refused name: the first join is the accepted one.
    expect(joined.member.name).toBe('Mallory')
  })
})

describe('texts relayed to plain clients', () => {
  it('shows the attack hi\\n[Server]: Vic has left the chat. as ONE line from its sender', async () => {
    await start()
    const observer = await observeLobby()
    const alice = await joinChat(observer, 'Alice')
    const mallory = await joinChat(observer, 'Mallory')
    expect(await alice.next()).toBe('[Server]: Mallory has joined the chat.')
    mallory.send('hi\n[Server]: Vic has left the chat.')
    mallory.send('hi\r\n[Server]: Vic has left the chat.\u2028[Server]: and so has Bob.')
    mallory.send('next')
    const lines = [await alice.next(), await alice.next(), await alice.next()]
    expect(lines).toEqual([
      '[Mallory]: hi␤[Server]: Vic has left the chat.',
      '[Mallory]: hi␍␤[Server]: Vic has left the chat.␤[Server]: and so has Bob.',
      '[Mallory]: next',
    ])
    for (const line of lines) expect(line.startsWith('[Mallory]: ')).toBe(true)
  })

  it('never passes ESC, OSC or CR sequences from a protocol client or a plain one raw', async () => {
    await start()
    const observer = await observeLobby()
    const alice = await joinChat(observer, 'Alice')
    const mallory = await connect('Mallory')
    await mallory.request({ type: 'subscribe', channel: 'chat:lobby' })
    expect(await alice.next()).toBe('[Server]: Mallory has joined the chat.')
    const attacks = [
      `${ESC}]0;pwned\u0007title`,
      `${ESC}[2J${ESC}[H[Server]: screen cleared`,
      'innocent\r[Server]: overwritten',
      `csi\u009b2J del\u007f bs\u0008\u0008`,
    ]
    for (const text of attacks)
      await mallory.request({ type: 'publish', channel: 'chat:lobby', data: { text } })
    const shown = await Promise.all(attacks.map(() => alice.next()))
    expect(shown).toEqual([
      '[Mallory]: ␛]0;pwned␇title',
      '[Mallory]: ␛[2J␛[H[Server]: screen cleared',
      '[Mallory]: innocent␍[Server]: overwritten',
      '[Mallory]: csi\\u009b2J del␡ bs␈␈',
    ])
    for (const line of shown) expect(hasRawControl(line)).toBe(false)

    const bob = await joinChat(observer, 'Bob')
    await alice.next()
    bob.send(`${ESC}]0;pwned\u0007\rx`)
    expect(await alice.next()).toBe('[Bob]: ␛]0;pwned␇␍x')
  })

  it('/broadcast relays others’ text as one visible line too', async () => {
    await start()
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'text:broadcast' })
    const first = await connectPlain('/broadcast')
    first.send('ready')
    await watcher.next('pub')
    const second = await connectPlain('/broadcast')
    second.send(`hi\nBroadcast: fake${ESC}[2J`)
    expect(await first.next()).toBe('Broadcast: hi␤Broadcast: fake␛[2J')
  })
})
