/**
 * A bounded, seeded fuzz of the plain `/chat` endpoint: an attacker names itself with any string
 * and says any strings (line breaks, escape sequences, lone surrogates, look-alikes of Server), and
 * a plain client in the room must see each message as exactly one line that starts with the
 * attacker's `[name]: ` prefix, with no control character in it; a refused name gets its reason
 * and a new prompt. `HUBBUB_FUZZ_RUNS` and `HUBBUB_FUZZ_SEED` run it longer or differently by hand.
 */
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps } from '../src/apps/index.js'
import { checkDisplayName, toVisibleLine } from '../src/protocol/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { Inbox, opened } from './support/frames.js'
import { TestClient } from './support/protocol-client.js'

const RUNS = Number(process.env.HUBBUB_FUZZ_RUNS ?? 200)
const SEED = Number(process.env.HUBBUB_FUZZ_SEED ?? 20_261_206)
/** The plain chat's name limit (`maxNameLength` of the text app). */
const MAX_NAME_LENGTH = 32

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/u

const tricky = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'hi\n[Server]: Vic has left the chat.',
    '\u001b]0;pwned\u0007',
    'a\rb',
    '\u2028[Server]: x',
    'Server',
    'S\u0435rver',
    '[Server]',
  ),
  fc
    .array(
      fc.constantFrom('a', ' ', '\n', '\r', '\u001b', '[', ']', ':', 'Server', '\u2028', '\u0085'),
    )
    .map((parts) => parts.join('')),
)

interface Plain {
  ws: WebSocket
  inbox: Inbox<string>
}

let server: HubbubServer
let watcher: Plain

const openPlain = async (): Promise<Plain> => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/chat`)
  const inbox = new Inbox<string>()
  ws.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(ws)
  return { ws, inbox }
}

beforeAll(async () => {
  server = await createServer({
    port: 0,
    apps: bundledApps(),
    logger: pino({ level: 'warn' }),
    // Every run is a join and a leave in one room: the default budget (20 a second) would pace
    // the runs, and what it does to a crowd is tested in test/isolation/presence-churn.test.ts, not here.
    maxPresenceEventsPerSecond: 100_000,
  })
  // The watcher is seated once a protocol client in the room sees it join.
  const observer = await TestClient.connect(`ws://127.0.0.1:${server.port}/`, 'Observer')
  await observer.request({ type: 'subscribe', channel: 'chat:lobby' })
  watcher = await openPlain()
  watcher.ws.send('Watcher')
  await observer.next('join', (frame) => frame.type === 'join' && frame.member.name === 'Watcher')
  observer.ws.terminate()
})

afterAll(async () => {
  watcher.ws.terminate()
  await server.close()
})

describe('fuzzing the plain /chat endpoint', () => {
  it('shows every message as one line from its sender, and never a raw control character', async () => {
    let runs = 0
    await fc.assert(
      fc.asyncProperty(
        tricky,
        fc.array(tricky, { minLength: 1, maxLength: 4 }),
        async (name, texts) => {
          runs += 1
          const marker = `end of run ${runs}`
          const attacker = await openPlain()
          try {
            const check = checkDisplayName(name, Number.POSITIVE_INFINITY)
            const isNamed = name.trim() !== '' && check.ok
            attacker.ws.send(name)
            if (!isNamed) {
              if (name.trim() !== '') {
                expect(await attacker.inbox.take()).toMatch(
                  /^\[Server\]: That name cannot be used: .+\.$/u,
                )
                expect(await attacker.inbox.take()).toBe(
                  '[Server]: Send another name to join the chat.',
                )
              }
              attacker.ws.send('Fallback')
            }
            const shownName = isNamed
              ? toVisibleLine(Array.from(check.name).slice(0, MAX_NAME_LENGTH).join('').trim())
              : 'Fallback'
            const joined = `[Server]: ${shownName} has joined the chat.`
            expect(await watcher.inbox.take((line) => line === joined)).toBe(joined)
            const said = texts.filter((text) => text.trim() !== '')
            for (const text of said) attacker.ws.send(text)
            attacker.ws.send(marker)
            const prefix = `[${shownName}]: `
            const lines: string[] = []
            for (;;) {
              const line = await watcher.inbox.take((candidate) => candidate.startsWith(prefix))
              lines.push(line)
              if (line === `${prefix}${marker}`) break
            }
            expect(lines).toEqual(
              [...said, marker].map((text) => `${prefix}${toVisibleLine(text)}`),
            )
            for (const line of lines) expect(CONTROL.test(line), JSON.stringify(line)).toBe(false)
          } finally {
            attacker.ws.terminate()
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    )
    // Nothing else that reached the watcher (joins, leaves) carried a control character either.
    for (const line of watcher.inbox.pending)
      expect(CONTROL.test(line), JSON.stringify(line)).toBe(false)
  }, 60_000)
})
