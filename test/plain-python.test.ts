import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps } from '../src/apps/index.js'
import { SUBPROTOCOL, type ServerFrame } from '../src/protocol/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./python/tutorial_client.py', import.meta.url))

let server: HubbubServer

beforeAll(async () => {
  server = await createServer({ port: 0, apps: bundledApps() })
})

afterAll(async () => {
  await server.close()
})

/** Resolves when a protocol client in chat:lobby sees `name` join. */
const watchForJoin = async (
  url: string,
  name: string,
): Promise<{ joined: Promise<void>; ws: WebSocket }> => {
  const ws = new WebSocket(url, SUBPROTOCOL)
  const frames: ((frame: ServerFrame) => void)[] = []
  ws.on('message', (data: WebSocket.RawData) => {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : ''
    const frame = JSON.parse(text) as ServerFrame
    for (const listener of frames) listener(frame)
  })
  const next = (matches: (frame: ServerFrame) => boolean): Promise<ServerFrame> =>
    new Promise((resolve) => {
      frames.push((frame) => {
        if (matches(frame)) resolve(frame)
      })
    })
  await once(ws, 'open')
  const connected = next((frame) => frame.type === 'reply' && frame.id === 1)
  ws.send(JSON.stringify({ type: 'connect', id: 1, name: 'Observer' }))
  await connected
  const subscribed = next((frame) => frame.type === 'reply' && frame.id === 2)
  ws.send(JSON.stringify({ type: 'subscribe', id: 2, channel: 'chat:lobby' }))
  await subscribed
  const joined = next((frame) => frame.type === 'join' && frame.member.name === name)
  return { joined: joined.then(() => undefined), ws }
}

describe('a Python websockets tutorial client', () => {
  it('talks to every plain endpoint', async () => {
    // Debian's python3-websockets, which .ci/run installs: without it this fails, never skips.
    expect(
      spawnSync(PYTHON, ['-c', 'import websockets']).status,
      `${PYTHON} cannot import websockets: apt-get install python3-websockets`,
    ).toBe(0)
    const url = server.url.replace(/^http/, 'ws')
    const watcher = await watchForJoin(url, 'Alice')
    const child = spawn(PYTHON, [SCRIPT, url, '--wait-for-go'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const exited = once(child, 'exit')

    // Bob may connect only once Alice is in the room, or he could be announced before she listens.
    const exitedEarly = exited.then(() => {
      throw new Error(`the Python client exited before Alice joined: ${stderr}`)
    })
    await Promise.race([watcher.joined, exitedEarly])
    child.stdin.end('go\n')
    const [code] = (await exited) as [number | null]
    watcher.ws.close()

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const lines = stdout.trimEnd().split('\n')
    expect(lines.slice(0, -1)).toEqual([
      'Echo: Hello world!',
      'HELLO WORLD!',
      'Hello Alice!',
      'alice got: [Server]: Bob has joined the chat.',
      'alice got: [Bob]: Hello everyone!',
      'bob got: [Alice]: Hi Bob!',
      'alice got: [Server]: Bob has left the chat.',
      'First place!',
    ])
    expect(lines.at(-1)).toMatch(/^Response time: \d+\.\d\d sec slower\.$/)
  })
})
