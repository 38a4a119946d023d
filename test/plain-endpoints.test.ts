import { once } from 'node:events'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createChatApp, createTextApp, bundledApps } from '../src/apps/index.js'
import {
  ErrorCode,
  SUBPROTOCOL,
  type ConnectResult,
  type Member,
  type ServerFrame,
} from '../src/protocol/index.js'
import {
  createServer,
  ReplyError,
  type App,
  type HubApi,
  type HubbubServer,
  type LocalSession,
} from '../src/server/index.js'

/** Messages of one socket, taken in arrival order; `take` may skip to the first that matches. */
interface Inbox<T> {
  take(matches?: (value: T) => boolean): Promise<T>
}

const createInbox = <T>(ws: WebSocket, parse: (text: string) => T): Inbox<T> => {
  const queued: T[] = []
  const waiting: {
    matches: (value: T) => boolean
    resolve(value: T): void
    reject(error: Error): void
  }[] = []
  let closed: Error | undefined
  ws.on('message', (data: WebSocket.RawData) => {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data)
    const value = parse(bytes.toString('utf8'))
    const index = waiting.findIndex((waiter) => waiter.matches(value))
    const waiter = index === -1 ? undefined : waiting.splice(index, 1)[0]
    if (waiter === undefined) queued.push(value)
    else waiter.resolve(value)
  })
  ws.on('close', (code: number, reason: Buffer) => {
    closed = new Error(`socket closed ${code} ${reason.toString()} while a message was awaited`)
    for (const waiter of waiting.splice(0)) waiter.reject(closed)
  })
  return {
    take(matches = () => true) {
      const index = queued.findIndex(matches)
      if (index !== -1) return Promise.resolve(queued.splice(index, 1)[0] as T)
      if (closed !== undefined) return Promise.reject(closed)
      return new Promise((resolve, reject) => waiting.push({ matches, resolve, reject }))
    },
  }
}

interface PlainClient {
  readonly ws: WebSocket
  send(text: string): void
  /** The next text message, in order. */
  next(): Promise<string>
  close(): Promise<void>
}

interface ProtocolClient {
  readonly member: Member
  /** Sends a request with the next id; resolves with its result, rejects with its error. */
  request(frame: Record<string, unknown>): Promise<unknown>
  /** The next frame (pings aside) that matches, in order. */
  next(matches?: (frame: ServerFrame) => boolean): Promise<ServerFrame>
  close(): Promise<void>
}

let server: HubbubServer
let sockets: WebSocket[] = []

/** Starts `server`; `logLevel` 'error' hides the warnings a test provokes on purpose. */
const start = async (apps: App[], logLevel: 'warn' | 'error' = 'warn'): Promise<void> => {
  server = await createServer({ port: 0, apps, logger: pino({ level: logLevel }) })
}

beforeEach(async () => {
  sockets = []
  await start(bundledApps())
})

afterEach(async () => {
  for (const ws of sockets) if (ws.readyState !== WebSocket.CONNECTING) ws.terminate()
  await server.close()
})

const wsUrl = (path: string): string => `${server.url.replace(/^http/, 'ws')}${path}`

const closeSocket = async (ws: WebSocket): Promise<void> => {
  if (ws.readyState === WebSocket.CLOSED) return
  const closed = once(ws, 'close')
  ws.close()
  await closed
}

const connectPlain = async (path: string): Promise<PlainClient> => {
  const ws = new WebSocket(wsUrl(path))
  sockets.push(ws)
  const inbox = createInbox(ws, (text) => text)
  await once(ws, 'open')
  return {
    ws,
    send: (text) => {
      ws.send(text)
    },
    next: () => inbox.take(),
    close: () => closeSocket(ws),
  }
}

const connectProtocol = async (name: string): Promise<ProtocolClient> => {
  const ws = new WebSocket(wsUrl('/'), SUBPROTOCOL)
  sockets.push(ws)
  const inbox = createInbox(ws, (text) => JSON.parse(text) as ServerFrame)
  await once(ws, 'open')
  let lastId = 0
  const request = async (frame: Record<string, unknown>): Promise<unknown> => {
    lastId += 1
    const id = lastId
    ws.send(JSON.stringify({ ...frame, id }))
    const reply = await inbox.take((candidate) => candidate.type === 'reply' && candidate.id === id)
    if (reply.type !== 'reply') throw new Error('not a reply')
    if ('error' in reply) throw new Error(`${reply.error.code}: ${reply.error.message}`)
    return reply.result
  }
  const connected = (await request({ type: 'connect', name })) as ConnectResult
  return {
    member: { client: connected.client, user: connected.user, name: connected.name },
    request,
    next: (matches = () => true) => inbox.take((frame) => frame.type !== 'ping' && matches(frame)),
    close: () => closeSocket(ws),
  }
}

/** A protocol client subscribed to `channel`, to watch it. */
const observe = async (channel: string, name = 'Observer'): Promise<ProtocolClient> => {
  const observer = await connectProtocol(name)
  await observer.request({ type: 'subscribe', channel })
  return observer
}

const isJoinOf =
  (name: string) =>
  (frame: ServerFrame): boolean =>
    frame.type === 'join' && frame.member.name === name
const isLeaveOf =
  (name: string) =>
  (frame: ServerFrame): boolean =>
    frame.type === 'leave' && frame.member.name === name

/** A plain chat user who has named itself; resolves once `observer` saw it join the room. */
const joinChat = async (
  observer: ProtocolClient,
  name: string,
  path = '/chat',
): Promise<PlainClient> => {
  const client = await connectPlain(path)
  client.send(name)
  await observer.next(isJoinOf(name))
  return client
}

describe('/echo, /upper, /hello', () => {
  it('/echo replies Echo: <msg>, in order', async () => {
    const client = await connectPlain('/echo')
    client.send('Hello')
    client.send('second line')
    expect(await client.next()).toBe('Echo: Hello')
    expect(await client.next()).toBe('Echo: second line')
  })

  it('/upper replies the message in upper case', async () => {
    const client = await connectPlain('/upper')
    client.send('Hello World, ça va?')
    expect(await client.next()).toBe('HELLO WORLD, ÇA VA?')
  })

  it('/hello takes a name and replies Hello <name>!', async () => {
    const client = await connectPlain('/hello')
    client.send('Alice')
    expect(await client.next()).toBe('Hello Alice!')
    client.send('  Bob ')
    expect(await client.next()).toBe('Hello Bob!')
    client.send('   ')
    expect(await client.next()).toMatch(/name/)
  })

  it('an unknown path gets HTTP 404 at the upgrade', async () => {
    const ws = new WebSocket(wsUrl('/nowhere'))
    sockets.push(ws)
    const [, response] = (await once(ws, 'unexpected-response')) as [
      unknown,
      { statusCode: number },
    ]
    expect(response.statusCode).toBe(404)
  })
})

describe('/chat and /', () => {
  it('relays messages to everyone else and announces arrivals and departures', async () => {
    const observer = await observe('chat:lobby')
    const alice = await joinChat(observer, 'Alice', '/')
    const bob = await joinChat(observer, 'Bob', '/chat')
    expect(await alice.next()).toBe('[Server]: Bob has joined the chat.')

    bob.send('Hello everyone!')
    expect(await alice.next()).toBe('[Bob]: Hello everyone!')
    alice.send('Hi Bob')
    // Bob's first line is Alice's: no greeting, no own join, no echo of his own message.
    expect(await bob.next()).toBe('[Alice]: Hi Bob')

    await bob.close()
    expect(await alice.next()).toBe('[Server]: Bob has left the chat.')
  })

  it('sends nothing before the client speaks and replays no history', async () => {
    const observer = await observe('chat:lobby')
    const alice = await joinChat(observer, 'Alice')
    alice.send('said before Carol came')
    await observer.next((frame) => frame.type === 'pub')
    const carol = await connectPlain('/chat')
    const dave = await joinChat(observer, 'Dave')
    carol.send('Carol')
    await observer.next(isJoinOf('Carol'))
    dave.send('first after Carol')
    expect(await carol.next()).toBe('[Dave]: first after Carol')
  })

  it('trims and limits the username, ignores blank lines', async () => {
    const observer = await observe('chat:lobby')
    const alice = await joinChat(observer, 'Alice')
    const bob = await connectPlain('/chat')
    bob.send('   ')
    bob.send(`  Bob \t ${'x'.repeat(40)}  `)
    const joined = await observer.next((frame) => frame.type === 'join')
    const expectedName = `Bob ${'x'.repeat(28)}`
    expect(joined).toMatchObject({ member: { name: expectedName } })
    expect(await alice.next()).toBe(`[Server]: ${expectedName} has joined the chat.`)
    bob.send('')
    bob.send(' \n ')
    bob.send('real')
    expect(await alice.next()).toBe(`[${expectedName}]: real`)
  })

  it('handles clients that leave before naming themselves or while joining, without leaks', async () => {
    const observer = await observe('chat:lobby')
    const silent = await connectPlain('/chat')
    await silent.close()

    const hasty = await connectPlain('/chat')
    hasty.send('Hasty')
    hasty.ws.close()
    await observer.next(isJoinOf('Hasty'))
    await observer.next(isLeaveOf('Hasty'))

    const alice = await joinChat(observer, 'Alice')
    await alice.close()
    await observer.next(isLeaveOf('Alice'))

    const members = await server.hub.presence('chat:lobby')
    expect(members.map((member) => member.name)).toEqual(['Observer'])
  })

  it('bridges both ways with protocol clients in chat:lobby', async () => {
    const bob = await observe('chat:lobby', 'Bob')
    const alice = await joinChat(bob, 'Alice')
    const joined = await server.hub.presence('chat:lobby')
    expect(joined.map((member) => member.name).sort()).toEqual(['Alice', 'Bob'])

    alice.send('Hello everyone!')
    const frame = await bob.next((candidate) => candidate.type === 'pub')
    if (frame.type !== 'pub') throw new Error('not a pub')
    const { pub } = frame
    expect(frame.channel).toBe('chat:lobby')
    expect(pub.data).toEqual({ text: 'Hello everyone!' })
    expect([pub.seq, typeof pub.epoch, typeof pub.time]).toEqual([1, 'string', 'number'])
    expect(pub.from?.name).toBe('Alice')
    expect(joined.map((member) => member.client)).toContain(pub.from?.client)
    expect(typeof pub.from?.user).toBe('string')

    const published = bob.request({ type: 'publish', channel: 'chat:lobby', data: { text: 'hi' } })
    expect(await published).toEqual({ seq: 2 })
    expect(await alice.next()).toBe('[Bob]: hi')

    // Data without text has no line; the next text shows it was skipped, not delayed.
    await bob.request({ type: 'publish', channel: 'chat:lobby', data: { drawing: [1, 2] } })
    await server.hub.publish('chat:lobby', { text: 'Maintenance at noon.' })
    expect(await alice.next()).toBe('[Server]: Maintenance at noon.')

    const carol = await connectProtocol('Carol')
    await carol.request({ type: 'subscribe', channel: 'chat:lobby' })
    expect(await alice.next()).toBe('[Server]: Carol has joined the chat.')
    await bob.close()
    expect(await alice.next()).toBe('[Server]: Bob has left the chat.')
  })
})

describe('/broadcast', () => {
  it('sends Broadcast: <msg> to every other /broadcast client, through text:broadcast', async () => {
    const watcher = await observe('text:broadcast', 'Watcher')
    const isPubOf =
      (text: string) =>
      (frame: ServerFrame): boolean =>
        frame.type === 'pub' && JSON.stringify(frame.pub.data) === JSON.stringify({ text })

    // Each client's first line reaching the channel shows that its subscription is in place.
    const first = await connectPlain('/broadcast')
    first.send('first is here')
    await watcher.next(isPubOf('first is here'))
    const second = await connectPlain('/broadcast')
    second.send('second is here')
    await watcher.next(isPubOf('second is here'))
    expect(await first.next()).toBe('Broadcast: second is here')

    first.send('Hello all')
    expect(await second.next()).toBe('Broadcast: Hello all')
    second.send('Hello back')
    // Not 'Broadcast: Hello all': the sender does not get its own message.
    expect(await first.next()).toBe('Broadcast: Hello back')

    await watcher.request({
      type: 'publish',
      channel: 'text:broadcast',
      data: { text: 'from the SDK' },
    })
    expect(await first.next()).toBe('Broadcast: from the SDK')
    expect(await second.next()).toBe('Broadcast: from the SDK')
    expect(await server.hub.history('text:broadcast')).toMatchObject({ pubs: [] })
  })
})

describe('/buzzer', () => {
  it('ranks buzzes: First place!, then how much slower', async () => {
    const alice = await connectPlain('/buzzer')
    const bob = await connectPlain('/buzzer')
    alice.send('buzz')
    expect(await alice.next()).toBe('First place!')
    bob.send('buzz')
    expect(await bob.next()).toMatch(/^Response time: \d+\.\d\d sec slower\.$/)
  })

  it('times rounds: 0.42 sec slower, one buzz per round, a new round 10 s after the first buzz', async () => {
    await server.close()
    let nowMs = 50_000
    await start([createChatApp(), createTextApp({ nowMs: () => nowMs })])
    const alice = await connectPlain('/buzzer')
    const bob = await connectPlain('/buzzer')

    alice.send('buzz')
    expect(await alice.next()).toBe('First place!')
    nowMs += 420
    bob.send('BUZZ ')
    expect(await bob.next()).toBe('Response time: 0.42 sec slower.')
    bob.send('buzz')
    expect(await bob.next()).toBe('You already buzzed in this round.')
    alice.send('hello?')
    expect(await alice.next()).toBe('Send "buzz" to buzz in.')

    nowMs += 10_000 - 420
    bob.send('buzz')
    expect(await bob.next()).toBe('First place!')
    nowMs += 1_234
    alice.send('buzz')
    expect(await alice.next()).toBe('Response time: 1.23 sec slower.')
  })
})

/** The text app over a hub whose sessions fail as `fail` says, to test how errors reach users. */
const faultyTextApp = (fail: { subscribe?: Error; publish?: Error }): App => {
  const text = createTextApp()
  const wrapSession = (session: LocalSession): LocalSession => ({
    member: session.member,
    subscribe: (channel, listener, options) =>
      fail.subscribe === undefined
        ? session.subscribe(channel, listener, options)
        : Promise.reject(fail.subscribe),
    unsubscribe: (channel) => session.unsubscribe(channel),
    publish: (channel, data, options) =>
      fail.publish === undefined
        ? session.publish(channel, data, options)
        : Promise.reject(fail.publish),
    signal: (channel, data) => session.signal(channel, data),
    close: () => session.close(),
  })
  return {
    name: 'faulty-text',
    setup(hub) {
      const faulty: HubApi = {
        node: hub.node,
        state: hub.state,
        log: hub.log,
        channel: (pattern, options) => {
          hub.channel(pattern, options)
        },
        rpc: (method, handler) => {
          hub.rpc(method, handler)
        },
        text: (path, endpoint) => {
          hub.text(path, endpoint)
        },
        publish: (channel, data, options) => hub.publish(channel, data, options),
        history: (channel, options) => hub.history(channel, options),
        presence: (channel) => hub.presence(channel),
        stats: () => hub.stats(),
        session: (init) => wrapSession(hub.session(init)),
      }
      return text.setup(faulty)
    },
    close: () => text.close?.(),
  }
}

describe('hub errors', () => {
  it('a refused publish tells the user and keeps the connection', async () => {
    await server.close()
    const refusal = new ReplyError(ErrorCode.TooManyRequests, 'slow down')
    await start([createChatApp(), faultyTextApp({ publish: refusal })], 'error')
    const observer = await observe('chat:lobby')
    const alice = await joinChat(observer, 'Alice')
    alice.send('Hello')
    expect(await alice.next()).toBe('[Server]: Your message was not sent: slow down')
    alice.send('again')
    expect(await alice.next()).toBe('[Server]: Your message was not sent: slow down')
    const echo = await connectPlain('/echo')
    echo.send('still alive')
    expect(await echo.next()).toBe('Echo: still alive')
  })

  it('a failed subscribe tells the user and closes the connection', async () => {
    await server.close()
    await start(
      [createChatApp(), faultyTextApp({ subscribe: new Error('engine unavailable') })],
      'error',
    )
    const alice = await connectPlain('/chat')
    const closed = once(alice.ws, 'close')
    alice.send('Alice')
    expect(await alice.next()).toBe('[Server]: Could not join the chat: engine unavailable')
    const [code] = (await closed) as [number]
    expect(code).toBe(1013)
  })
})
