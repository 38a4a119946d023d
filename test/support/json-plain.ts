import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { createCondition } from './condition.js'
import { Inbox, closed, opened, type Closed } from './frames.js'

export type JsonObject = Record<string, unknown>

/** A plain WebSocket client (no subprotocol) of a JSON endpoint, in Node. */
export interface JsonPlainClient {
  ws: WebSocket
  /** Every message, parsed; a message that is not JSON fails the test when taken. */
  inbox: Inbox<JsonObject>
  closed: Promise<Closed>
  send(message: unknown): void
  /** The next message of `type` (that `match` accepts), removing it. */
  next(type: string, match?: (message: JsonObject) => boolean): Promise<JsonObject>
}

export const openJsonPlain = async (url: string): Promise<JsonPlainClient> => {
  const ws = new WebSocket(url)
  const inbox = new Inbox<JsonObject>()
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = { type: 'not-json', text }
    }
    inbox.push(parsed as JsonObject)
  })
  const isClosed = closed(ws)
  await opened(ws)
  return {
    ws,
    inbox,
    closed: isClosed,
    send(message) {
      ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    },
    next: (type, match = () => true) =>
      inbox.take((message) => message.type === type && match(message), 10_000),
  }
}

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('../python/json_clients.py', import.meta.url))

/** A run of test/python/json_clients.py: its stdout lines as they come. */
export interface PythonRun {
  child: ChildProcessWithoutNullStreams
  lines: string[]
  /** The first line (from the start) matching `pattern`, waiting up to 15 s for it. */
  line(pattern: RegExp): Promise<string>
  /** Writes a line to its stdin. */
  tell(line: string): void
  /** Resolves with its exit code and stderr once it has exited. */
  exited: Promise<{ code: number | null; stderr: string }>
}

export const runPython = (base: string, args: string[]): PythonRun => {
  const child = spawn(PYTHON, [SCRIPT, base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  const condition = createCondition()
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
    condition.changed()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = once(child, 'close').then(([code]) => {
    condition.changed()
    return { code: code as number | null, stderr }
  })
  let hasExited = false
  child.once('close', () => {
    hasExited = true
  })
  return {
    child,
    lines,
    async line(pattern) {
      const found = await condition.until(
        () => {
          const line = lines.find((candidate) => pattern.test(candidate))
          if (line !== undefined) return { line }
          return hasExited ? { line: undefined } : undefined
        },
        () => `no line ${String(pattern)} in ${JSON.stringify(lines)}; stderr: ${stderr}`,
        15_000,
      )
      if (found.line === undefined)
        throw new Error(`python exited without a line ${String(pattern)}: ${stderr}`)
      return found.line
    },
    tell(line) {
      child.stdin.write(`${line}\n`)
    },
    exited,
  }
}

/** The parsed JSON of every `got <json>` line of a run. */
export const gotMessages = (run: PythonRun): JsonObject[] =>
  run.lines
    .filter((line) => line.startsWith('got '))
    .map((line) => JSON.parse(line.slice(4)) as JsonObject)
