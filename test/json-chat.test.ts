import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps } from '../src/apps/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { Inbox, closed, opened } from './support/frames.js'
import { TestClient } from './support/protocol-client.js'

type Json = Record<string, unknown>

/** A plain WebSocket client of `/chat`: what it receives, as JSON where it parses. */
class PlainChat {
  readonly ws: WebSocket
  readonly inbox = new Inbox<Json | string>()
  constructor(url: string) {
    this.ws = new WebSocket(`${url}/chat`)
    this.ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8')
      try {
        this.inbox.push(JSON.parse(text) as Json)
      } catch {
        this.inbox.push(text)
      }
    })
  }
  static async open(url: string): Promise<PlainChat> {
    const client = new PlainChat(url)
    await opened(client.ws)
    return client
  }
  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }
  /** The next JSON message of `type` (matching `match`). */
  next(type: string, match: (message: Json) => boolean = () => true): Promise<Json> {
    return this.inbox.take(
      (item) => typeof item !== 'string' && item.type === type && match(item),
    ) as Promise<Json>
  }
  line(match: (line: string) => boolean): Promise<string> {
    return this.inbox.take((item) => typeof item === 'string' && match(item)) as Promise<string>
  }
  async close(): Promise<void> {
    const done = closed(this.ws)
    this.ws.close()
    await done
  }
}

let server: HubbubServer
let url: string

beforeAll(async () => {
  server = await createServer({ port: 0, apps: bundledApps() })
  url = server.url.replace(/^http/, 'ws')
})

afterAll(async () => {
  await server.close()
})

/** A JSON client that has joined as `username` and seen the user list with itself in it. */
const joined = async (username: string): Promise<PlainChat> => {
  const client = await PlainChat.open(url)
  client.send({ type: 'join', username })
  // Its own arrival comes first, then the user list.
  expect(await client.next('join')).toEqual({ type: 'join', username })
  await client.next('users', (m) => (m.users as string[]).includes(username))
  return client
}

describe('JSON chat on /chat', () => {
  it('joins, lists users, relays messages with timestamps, announces arrivals and departures', async () => {
    const ann = await joined('Ann')
    const ben = await PlainChat.open(url)
    ben.send({ type: 'join', username: 'Ben' })
    expect(await ben.next('join')).toEqual({ type: 'join', username: 'Ben' })
    const users = await ben.next('users')
    expect(users.users).toEqual(expect.arrayContaining(['Ann', 'Ben']))
    expect(await ann.next('join')).toEqual({ type: 'join', username: 'Ben' })
    expect((await ann.next('users')).users).toEqual(expect.arrayContaining(['Ann', 'Ben']))

    ben.send({ type: 'message', text: 'Hello Ann' })
    const got = await ann.next('message')
    expect(got).toMatchObject({ type: 'message', username: 'Ben', text: 'Hello Ann' })
    expect(new Date(got.timestamp as string).toISOString()).toBe(got.timestamp)
    // The sender sees its own message once the room has it, as a tutorial server echoes it.
    expect(await ben.next('message')).toMatchObject({ username: 'Ben', text: 'Hello Ann' })

    ann.send({ type: 'message', message: 'the message field works too' })
    expect(await ben.next('message')).toMatchObject({
      username: 'Ann',
      text: 'the message field works too',
    })

    await ben.close()
    expect(await ann.next('leave')).toEqual({ type: 'leave', username: 'Ben' })
    expect((await ann.next('users')).users).not.toContain('Ben')
    await ann.close()
  })

  it('relays typing to the others but never back, and ends it 2 s after the last typing', async () => {
    const cat = await joined('Cat')
    const dan = await joined('Dan')
    await cat.next('users', (m) => (m.users as string[]).includes('Dan'))

    dan.send({ type: 'typing', username: 'Dan' })
    expect(await cat.next('typing')).toEqual({ type: 'typing', username: 'Dan' })
    dan.send({ type: 'stop_typing', username: 'Dan' })
    expect(await cat.next('stop_typing')).toEqual({ type: 'stop_typing', username: 'Dan' })

    // No stop_typing this time: the server ends it (within the 5 s the inbox waits).
    dan.send({ type: 'typing', username: 'Dan' })
    expect(await cat.next('typing')).toEqual({ type: 'typing', username: 'Dan' })
    expect(await cat.next('stop_typing')).toEqual({ type: 'stop_typing', username: 'Dan' })

    // A message ends the sender's typing at the others.
    dan.send({ type: 'typing', username: 'Dan' })
    await cat.next('typing')
    dan.send({ type: 'message', text: 'done typing' })
    expect(await cat.next('stop_typing')).toEqual({ type: 'stop_typing', username: 'Dan' })
    await cat.next('message', (m) => m.text === 'done typing')

    await dan.next('message', (m) => m.text === 'done typing')
    expect(dan.inbox.pending.filter((m) => typeof m !== 'string' && m.type === 'typing')).toEqual(
      [],
    )
    await Promise.all([cat.close(), dan.close()])
  })

  it('puts JSON clients, line clients and protocol clients in one room, typing included', async () => {
    const observer = await TestClient.connect(url, 'Observer')
    await observer.request({ type: 'subscribe', channel: 'chat:lobby' })
    const line = await PlainChat.open(url)
    line.send('Lena')
    await observer.next('join', (f) => (f.member as { name: string }).name === 'Lena')
    const eve = await joined('Eve')
    expect(await line.line((l) => l.includes('Eve'))).toBe('[Server]: Eve has joined the chat.')

    eve.send({ type: 'message', text: 'hi line people' })
    expect(await line.line((l) => l.startsWith('[Eve]'))).toBe('[Eve]: hi line people')
    const pub = await observer.next('pub', (f) => (f.pub as { data: Json }).data.text !== undefined)
    expect(pub.pub).toMatchObject({ data: { text: 'hi line people' }, from: { name: 'Eve' } })

    line.send('hi JSON people')
    expect(await eve.next('message', (m) => m.username === 'Lena')).toMatchObject({
      text: 'hi JSON people',
    })

    // Typing: the JSON client's reaches protocol clients as the web chat's signal, and back.
    eve.send({ type: 'typing' })
    const typing = await observer.next('signal')
    expect(typing).toMatchObject({ data: { typing: true }, from: { name: 'Eve' } })
    observer.send({ type: 'signal', channel: 'chat:lobby', data: { typing: true } })
    expect(await eve.next('typing')).toEqual({ type: 'typing', username: 'Observer' })
    await Promise.all([line.close(), eve.close(), observer.close()])
  })

  it('answers bad input with an error and keeps the connection', async () => {
    const fay = await PlainChat.open(url)
    fay.send({ type: 'message', text: 'before joining' })
    expect((await fay.next('error')).message).toMatch(/join first/)
    fay.send({ type: 'join', username: 42 })
    expect((await fay.next('error')).message).toMatch(/"username" must be a string/)
    fay.send({ type: 'join', username: 'Server' })
    expect((await fay.next('error')).message).toMatch(/reserved/)
    fay.send({ type: 'join', username: '   ' })
    expect((await fay.next('error')).message).toMatch(/empty/)
    fay.send({ type: 'join', username: 'Fay' })
    await fay.next('users', (m) => (m.users as string[]).includes('Fay'))
    for (const bad of [
      'not json at all',
      '[1,2,3]',
      'null',
      '{"type":7}',
      '{"type":"dance"}',
      '{"type":"message","text":{"nested":true}}',
      '{"type":"message"}',
      '{"type":"__proto__","text":"x"}',
    ]) {
      fay.send(bad)
      const error = await fay.next('error')
      expect(typeof error.message).toBe('string')
    }
    // Over the plain endpoints' size limit (maxPublishBytes, 32 KiB by default): a JSON error too.
    fay.send({ type: 'message', text: 'x'.repeat(40_000) })
    expect((await fay.next('error')).message).toMatch(/limited to 32768 bytes/)
    fay.send({ type: 'join', username: 'Someone else' })
    expect((await fay.next('error')).message).toMatch(/already joined as "Fay"/)
    // Still in the room after all that.
    fay.send({ type: 'message', text: 'still here' })
    expect(await fay.next('message')).toMatchObject({ username: 'Fay', text: 'still here' })
    await fay.close()
  })

  it('joins by the username of a first message, and a line client named like JSON stays a line client', async () => {
    const gus = await PlainChat.open(url)
    gus.send({ type: 'message', username: 'Gus', text: 'hello straight away' })
    expect(await gus.next('message')).toMatchObject({
      username: 'Gus',
      text: 'hello straight away',
    })
    const line = await PlainChat.open(url)
    line.send('{not json')
    expect(await gus.next('join', (m) => m.username !== 'Gus')).toEqual({
      type: 'join',
      username: '{not json',
    })
    await Promise.all([gus.close(), line.close()])
  })

  it('closes a typing flood by the plain endpoints rate limit without sending it on', async () => {
    const watcher = await joined('Hal')
    const flooder = await joined('Ivy')
    for (let i = 0; i < 2_000; i += 1) flooder.send({ type: 'typing' })
    const { code } = await closed(flooder.ws)
    expect(code).toBe(4029)
    await watcher.next('typing', (m) => m.username === 'Ivy')
    // The server sent one typing, not thousands.
    expect(
      watcher.inbox.pending.filter((m) => typeof m !== 'string' && m.type === 'typing'),
    ).toEqual([])
    await watcher.close()
  })
})
