/**
 * `hubbub serve` keeps its data across restarts: the built CLI (`dist/cli/main.js`, built by
 * `pretest`) runs on a data directory, a raw `hubbub.v1` client publishes, the process is stopped
 * (SIGTERM, or SIGKILL with no chance to flush anything), and a new process on the same directory
 * serves the same history in the same epoch.
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { useServeProcesses } from './support/cli-process.js'

const root = mkdtempSync(join(tmpdir(), 'hubbub-restart-'))
const sockets = new Set<WebSocket>()
const { serve: serveArgs } = useServeProcesses()
const serve = (dataDir: string) => serveArgs(['--port', '0', '--data', dataDir])

afterEach(() => {
  for (const socket of sockets) socket.terminate()
  sockets.clear()
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

/** A `hubbub.v1` client that sends requests and awaits their replies by id. */
const connect = async (port: number) => {
  const socket = new WebSocket(`ws://localhost:${port}/`, 'hubbub.v1')
  sockets.add(socket)
  const replies = new Map<number, (reply: Record<string, unknown>) => void>()
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as { type: string; id?: number }
    if (frame.type === 'reply' && frame.id !== undefined) replies.get(frame.id)?.(frame)
  })
  await once(socket, 'open')
  let nextId = 0
  const request = (frame: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = (nextId += 1)
    const reply = new Promise<Record<string, unknown>>((resolve) => replies.set(id, resolve))
    socket.send(JSON.stringify({ ...frame, id }))
    return reply
  }
  expect(await request({ type: 'connect', name: 'A' })).toMatchObject({ result: { name: 'A' } })
  return request
}

interface HistoryResult {
  epoch: string
  seq: number
  pubs: { seq: number; epoch: string; data: unknown }[]
}

const history = async (port: number, channel: string): Promise<HistoryResult> => {
  const request = await connect(port)
  const reply = await request({ type: 'history', channel })
  return reply.result as HistoryResult
}

/** Publishes `data` in order, each acknowledged before the next. */
const publishAll = async (port: number, channel: string, data: unknown[]): Promise<number[]> => {
  const request = await connect(port)
  const seqs: number[] = []
  for (const item of data) {
    const reply = await request({ type: 'publish', channel, data: item })
    seqs.push((reply.result as { seq: number }).seq)
  }
  return seqs
}

describe('hubbub serve with a data directory', () => {
  it('serves the same history and epoch after SIGTERM and a restart', async () => {
    const dataDir = join(root, 'term')
    const first = await serve(dataDir)
    expect(await publishAll(first.port, 'room:1', [1, 2, 3])).toEqual([1, 2, 3])
    const before = await history(first.port, 'room:1')
    expect(before).toMatchObject({ seq: 3, pubs: [{ data: 1 }, { data: 2 }, { data: 3 }] })
    first.child.kill('SIGTERM')
    expect(await first.exited).toEqual({ code: 0, signal: null })

    const second = await serve(dataDir)
    expect(await history(second.port, 'room:1')).toEqual(before)
    expect(await publishAll(second.port, 'room:1', [4])).toEqual([4])
  })

  it('keeps every acknowledged publication through SIGKILL', async () => {
    const dataDir = join(root, 'kill')
    const first = await serve(dataDir)
    const data = Array.from({ length: 20 }, (_, i) => ({ text: `message ${i + 1}` }))
    expect(await publishAll(first.port, 'room:1', data)).toHaveLength(20)
    const { epoch } = await history(first.port, 'room:1')
    first.child.kill('SIGKILL')
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' })

    const second = await serve(dataDir)
    const after = await history(second.port, 'room:1')
    expect(after.epoch).toBe(epoch)
    expect(after.seq).toBe(20)
    expect(after.pubs.map((pub) => pub.data)).toEqual(data)
    expect(after.pubs.every((pub) => pub.epoch === epoch)).toBe(true)
  })
})
