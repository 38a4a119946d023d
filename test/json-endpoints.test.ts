/**
 * The JSON plain endpoints (issue 13) against a real in-process server with the bundled apps'
 * wiring: Python `websockets` clients send exactly what the browser exercises' snippets send,
 * and each bridge is checked from the other side with a hubbub.v1 protocol client (what the web
 * apps are made of) or the HTTP API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createBoardApp,
  createChatApp,
  createCounterApp,
  createJsonApp,
  createMetricsApp,
  createNotifyApp,
  type MetricsSample,
  type Stroke,
} from '../src/apps/index.js'
import type { Pub } from '../src/protocol/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { post } from './support/api-http.js'
import {
  gotMessages,
  openJsonPlain,
  runPython,
  type JsonPlainClient,
  type PythonRun,
} from './support/json-plain.js'
import { TestClient } from './support/protocol-client.js'

const KEY = 'json-endpoints-test-api-key'
let server: HubbubServer
let base: string
const runs: PythonRun[] = []
const plains: JsonPlainClient[] = []
const clients: TestClient[] = []

beforeAll(async () => {
  const counter = createCounterApp()
  const board = createBoardApp()
  const notify = createNotifyApp()
  server = await createServer({
    port: 0,
    apiKey: KEY,
    apps: [
      createChatApp(),
      counter,
      board,
      notify,
      createMetricsApp({ intervalMs: 200 }),
      createJsonApp({ counter, board, notify, demoMinDelayMs: 50, demoMaxDelayMs: 100 }),
    ],
  })
  base = server.url.replace(/^http/, 'ws')
})
afterEach(async () => {
  for (const run of runs.splice(0)) run.child.kill('SIGKILL')
  for (const plain of plains.splice(0)) plain.ws.terminate()
  await Promise.all(clients.splice(0).map((client) => client.close()))
})
afterAll(async () => {
  await server.close()
})

const python = (...args: string[]): PythonRun => {
  const run = runPython(base, args)
  runs.push(run)
  return run
}
const plain = async (path: string): Promise<JsonPlainClient> => {
  const client = await openJsonPlain(`${base}${path}`)
  plains.push(client)
  return client
}
const protocolClient = async (name: string): Promise<TestClient> => {
  const client = await TestClient.connect(base, name)
  clients.push(client)
  return client
}
/** Calls an app's rpc method as the server, through the HTTP API. */
const serverRpc = async (method: string, params: unknown): Promise<unknown> => {
  const answer = await post(server.port, '/api/rpc', { method, params }, { key: KEY })
  expect(answer.status).toBe(200)
  return (answer.json.result as { result: unknown }).result
}

const nextPub = async (client: TestClient, match: (data: unknown) => boolean): Promise<Pub> =>
  (await client.next('pub', (frame) => match((frame.pub as Pub).data))).pub

describe('/counter', () => {
  it('keeps all 100 increments of 5 Python clients clicking at once, and every client sees the end value', async () => {
    const run = python('counter', '5', '20')
    const start = Number((await run.line(/^ready /)).split(' ')[1])
    const { code, stderr } = await run.exited
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(run.lines.filter((line) => line.startsWith('final '))).toEqual(
      Array.from({ length: 5 }, () => `final ${start + 100}`),
    )
    // A web counter (a protocol client subscribing to counter:main) agrees.
    const web = await protocolClient('Web')
    const { state } = (await web.request({ type: 'subscribe', channel: 'counter:main' })) as {
      state: { value: number }
    }
    expect(state.value).toBe(start + 100)
  })

  it('is the web counter: a web click moves a Python client, a Python click moves the web counter', async () => {
    const web = await protocolClient('Web')
    const { state } = (await web.request({ type: 'subscribe', channel: 'counter:main' })) as {
      state: { value: number }
    }
    const run = python('listen', '/counter', '2')
    await run.line(/^ready$/)
    await run.line(new RegExp(`^got \\{"type":"counter","value":${state.value}\\}$`))
    await web.request({ type: 'rpc', method: 'counter.add', params: { name: 'main', delta: 1 } })
    await run.line(new RegExp(`^got \\{"type":"counter","value":${state.value + 1}\\}$`))
    expect((await run.exited).code).toBe(0)

    const clicker = await plain('/counter')
    await clicker.next('counter')
    clicker.send({ type: 'decrement' })
    const pub = await nextPub(web, (data) => (data as { value: number }).value === state.value)
    expect(pub.data).toEqual({ value: state.value })
    expect(await clicker.next('counter', (m) => m.value === state.value)).toEqual({
      type: 'counter',
      value: state.value,
    })
  })
})

describe('/notifications', () => {
  it("sends demo notifications while a Python client listens, in the issue's shape", async () => {
    const run = python('listen', '/notifications', '2')
    expect((await run.exited).code).toBe(0)
    for (const message of gotMessages(run)) {
      expect(Object.keys(message).sort()).toEqual(['id', 'message', 'timestamp', 'type'])
      expect(message.type).toBe('notification')
      expect(message.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      )
      expect(typeof message.message === 'string' && message.message.length > 0).toBe(true)
      expect(new Date(message.timestamp as string).toISOString()).toBe(message.timestamp)
    }
  })

  it('sends a notification to everyone through the HTTP API to every listener', async () => {
    const listeners = await Promise.all([plain('/notifications'), plain('/notifications')])
    // A demo notification comes only once a client follows the notifications to everyone.
    await Promise.all(listeners.map((listener) => listener.next('notification')))
    const { id } = (await serverRpc('notify.everyone', {
      title: 'Maintenance',
      body: 'Back at 10:00.',
    })) as { id: string }
    for (const listener of listeners) {
      const message = await listener.next('notification', (m) => m.id === id)
      expect(message.message).toBe('Maintenance: Back at 10:00.')
    }
    // A client may not notify everyone.
    const web = await protocolClient('Web')
    await expect(
      web.request({ type: 'rpc', method: 'notify.everyone', params: { title: 'x', body: '' } }),
    ).rejects.toThrow(/forbidden/)
  })
})

describe('/dashboard', () => {
  it('sends the figures the web dashboard gets for this node', async () => {
    const web = await protocolClient('Web')
    await web.request({ type: 'subscribe', channel: 'sys:metrics' })
    const run = python('listen', '/dashboard', '3')
    expect((await run.exited).code).toBe(0)
    const messages = gotMessages(run)
    expect(messages).toHaveLength(3)
    const samples: MetricsSample[] = []
    for (const frame of web.inbox.pending)
      if (frame.type === 'pub') samples.push(frame.pub.data as MetricsSample)
    for (const message of messages) {
      expect(Object.keys(message).sort()).toEqual([
        'connections',
        'cpu',
        'memory',
        'timestamp',
        'type',
      ])
      const sample = samples.find((s) => new Date(s.time).toISOString() === message.timestamp)
      expect(sample).toBeDefined()
      expect(message).toEqual({
        type: 'metrics',
        cpu: sample?.systemCpuPercent,
        memory: sample?.systemMemoryPercent,
        connections: sample?.connections,
        timestamp: message.timestamp,
      })
      for (const field of ['cpu', 'memory'] as const) {
        expect(message[field]).toBeGreaterThanOrEqual(0)
        expect(message[field]).toBeLessThanOrEqual(100)
      }
      // The web client and the Python client at least.
      expect(message.connections).toBeGreaterThanOrEqual(2)
    }
  })
})

describe('/draw', () => {
  const strokeMessages = [
    { type: 'draw_start', x: 100, y: 100 },
    { type: 'draw_move', x: 200, y: 150, fromX: 100, fromY: 100 },
    { type: 'draw_move', x: 300, y: 300, fromX: 200, fromY: 150 },
    { type: 'draw_end' },
  ]

  const webStroke = {
    id: 'web-1',
    color: '#ff0000',
    width: 0.01,
    points: [
      [0.5, 0.5],
      [0.75, 0.25],
    ],
  }
  const webStrokeMessages = [
    { type: 'draw_start', x: 400, y: 300 },
    { type: 'draw_move', x: 600, y: 150, fromX: 400, fromY: 300 },
    { type: 'draw_end' },
  ]
  /** A new board holding one web stroke; a plain client that got its replay is following. */
  const boardWithWebStroke = async (): Promise<TestClient> => {
    await serverRpc('board.clear', { name: 'main' })
    const web = await protocolClient('Web')
    await web.request({ type: 'subscribe', channel: 'board:main' })
    await web.request({
      type: 'rpc',
      method: 'board.stroke',
      params: { name: 'main', stroke: webStroke },
    })
    return web
  }
  const drawClient = async (): Promise<JsonPlainClient> => {
    const client = await plain('/draw')
    for (const expected of webStrokeMessages) expect(await client.inbox.take()).toEqual(expected)
    return client
  }

  it('relays a Python drawing to the other clients with fromX/fromY, onto the web board, and replays it to a late joiner', async () => {
    const web = await boardWithWebStroke()
    const other = await drawClient()
    const drawer = python('draw')
    await drawer.line(/^ready$/)
    drawer.tell('go')
    for (const expected of strokeMessages) expect(await other.inbox.take()).toEqual(expected)
    const pub = await nextPub(web, (data) => (data as { kind?: string }).kind === 'stroke')
    const stroke = pub.data as Stroke
    expect(stroke.points).toEqual([
      [0.125, 0.1667],
      [0.25, 0.25],
      [0.375, 0.5],
    ])
    // The drawer itself gets nothing back: it drew the line already.
    drawer.tell('bye')
    expect((await drawer.exited).code).toBe(0)
    expect(gotMessages(drawer)).toEqual([])

    // A late Python joiner gets the board since its last clear, this line included, as messages.
    const late = python('listen', '/draw', '7')
    expect((await late.exited).code).toBe(0)
    expect(gotMessages(late)).toEqual([...webStrokeMessages, ...strokeMessages])
  })

  it('brings web strokes to plain clients, and a clear from either side clears for everyone', async () => {
    const web = await boardWithWebStroke()
    const watcher = await drawClient()
    const clearer = await drawClient()
    await web.request({
      type: 'rpc',
      method: 'board.stroke',
      params: { name: 'main', stroke: { ...webStroke, id: 'web-2' } },
    })
    for (const client of [watcher, clearer])
      for (const expected of webStrokeMessages) expect(await client.inbox.take()).toEqual(expected)

    clearer.send({ type: 'clear' })
    await nextPub(web, (data) => (data as { kind?: string }).kind === 'clear')
    expect(await watcher.inbox.take()).toEqual({ type: 'clear' })

    await web.request({ type: 'rpc', method: 'board.clear', params: { name: 'main' } })
    expect(await clearer.inbox.take()).toEqual({ type: 'clear' })
    expect(await watcher.inbox.take()).toEqual({ type: 'clear' })
    // A late joiner gets only what was drawn since the last clear.
    await web.request({
      type: 'rpc',
      method: 'board.stroke',
      params: { name: 'main', stroke: { ...webStroke, id: 'web-3' } },
    })
    const late = await drawClient()
    clearer.send({ type: 'draw_start', x: 1, y: 2 })
    expect(await late.inbox.take()).toEqual({ type: 'draw_start', x: 1, y: 2 })
  })
})
