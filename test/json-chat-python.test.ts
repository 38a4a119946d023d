import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./python/json_chat_client.py', import.meta.url))

let server: HubbubServer

beforeAll(async () => {
  server = await createServer({ port: 0, apps: bundledApps() })
})

afterAll(async () => {
  await server.close()
})

// Python websockets is a system package (.ci/run installs python3-websockets): missing, this fails.
it('Python websockets JSON chat clients and a line client share the room', async () => {
  const url = server.url.replace(/^http/, 'ws')
  const child = spawn(PYTHON, [SCRIPT, url], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [code] = (await once(child, 'exit')) as [number | null]
  expect(stderr).toBe('')
  expect(code).toBe(0)
  expect(stdout.trim().split('\n')).toEqual([
    "ann users: ['Ann']",
    "ann got: {'type': 'join', 'username': 'Bea'}",
    "ann got: {'type': 'join', 'username': 'Lou'}",
    "bea got: {'type': 'typing', 'username': 'Ann'}",
    "bea got: {'type': 'stop_typing', 'username': 'Ann'}",
    'bea got: Ann Hello from JSON True',
    'lou got: [Ann]: Hello from JSON',
    'ann got: Lou Hello from a line',
    "ann got: {'type': 'error', 'message': 'messages must be JSON objects'}",
    "ann got: {'type': 'leave', 'username': 'Lou'}",
  ])
}, 20_000)
