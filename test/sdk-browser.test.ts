import { mkdirSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { connect } from '../src/client/node.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'

// The browser bundle (/hubbub.js, built by `npm run build`) in real Chromium against a real
// server that restarts: the page's client reconnects by itself and loses nothing.
const shared = createMemoryBackend()
let server: HubbubServer
let browser: Browser

const start = (port: number) =>
  createServer({
    port,
    engine: createMemoryEngine({ shared }),
    shutdownSpreadMs: 50,
    shutdownTimeoutMs: 1_000,
  })

beforeAll(async () => {
  server = await start(0)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser.close()
  await server.close()
})

it('connects, subscribes, publishes and recovers after the server restarts', async () => {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(server.url)
  await page.evaluate(`(async () => {
    const { connect } = await import('/hubbub.js')
    const client = connect('ws://' + location.host + '/', {
      name: 'Browser',
      minReconnectDelayMs: 20,
      maxReconnectDelayMs: 200,
    })
    const sub = client.channel('room:browser')
    window.received = []
    window.states = []
    client.on('state', ({ state }) => window.states.push(state))
    sub.on('message', (pub) => window.received.push(pub.data))
    window.hub = { client, sub }
    await new Promise((resolve) => sub.on('subscribed', resolve))
  })()`)
  const node = connect(`ws://localhost:${server.port}`, { name: 'Node', minReconnectDelayMs: 20 })
  const nodeSub = node.channel('room:browser')
  const nodeGot: unknown[] = []
  nodeSub.on('message', (pub) => nodeGot.push(pub.data))
  await new Promise((resolve) => nodeSub.on('subscribed', resolve))

  await nodeSub.publish('before')
  await page.waitForFunction(`window.received.length === 1`)
  expect(await page.evaluate(`window.hub.sub.publish('from the page').then((r) => r.seq)`)).toBe(2)
  await expect.poll(() => nodeGot).toEqual(['from the page'])

  // Restart: the page's client is told 1001 with a retry hint and comes back by itself.
  const { port } = server
  await server.close()
  await page.waitForFunction(`window.hub.client.state !== 'connected'`)
  // Offline publishes wait in the outbox.
  const offline = page.evaluate(`window.hub.sub.publish('while down').then((r) => r.seq)`)
  server = await start(port)
  await nodeSub.publish('after')
  expect(await offline).toBeGreaterThan(2)
  await page.waitForFunction(`window.received.length === 2`)
  expect(await page.evaluate(`window.received`)).toEqual(['before', 'after'])
  await expect.poll(() => nodeGot).toEqual(['from the page', 'while down'])
  expect(await page.evaluate(`window.states.includes('disconnected')`)).toBe(true)

  mkdirSync('test-results', { recursive: true })
  await page.screenshot({ path: 'test-results/sdk-browser.png' })
  expect(errors).toEqual([])
  node.close()
  await page.evaluate(`window.hub.client.close()`)
})

it('says, as far as the browser tells, why a refused connection failed', async () => {
  // A server that refuses every upgrade with 403: a browser hears only "failed", with no status.
  const refusing = createHttpServer()
  refusing.on('upgrade', (_request, socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
  })
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
  const { port } = refusing.address() as AddressInfo
  const page = await browser.newPage()
  await page.goto(server.url)
  const dropped = await page.evaluate(`(async () => {
    const { connect } = await import('/hubbub.js')
    const client = connect('ws://localhost:${port}/', { maxReconnectDelayMs: 60000 })
    const event = await new Promise((resolve) => client.on('disconnected', resolve))
    client.close()
    return event
  })()`)
  expect(dropped).toMatchObject({
    code: 1006,
    cause: { kind: 'unknown', message: 'the WebSocket could not be opened (no reason given)' },
    reason: 'the WebSocket could not be opened (no reason given)',
  })
  await page.close()
  await new Promise((resolve) => refusing.close(resolve))
})
