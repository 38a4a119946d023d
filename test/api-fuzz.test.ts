/**
 * A bounded fuzz of the HTTP API (fast-check): arbitrary JSON bodies to every method never crash
 * the server, every answer is the API's JSON with a status from its table, and a WebSocket
 * subscriber keeps receiving throughout.
 */
import fc from 'fast-check'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { post } from './support/api-http.js'
import { useServer } from './support/harness.js'

const KEY = 'fuzz-api-key-0123456789abcdef'
const METHODS = [
  'publish',
  'broadcast',
  'presence',
  'history',
  'disconnect',
  'rpc',
  'channels',
  'info',
  'nope',
]
const STATUSES = new Set([200, 400, 404, 409, 413])

const { start, connect } = useServer({ apiKey: KEY, logger: pino({ level: 'silent' }) })

describe('HTTP API fuzz', () => {
  it('answers arbitrary bodies with the API JSON, and a subscriber keeps receiving', async () => {
    const { port } = await start({ maxDataDepth: 8 })
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'control' })
    let control = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.oneof(
          fc.jsonValue({ maxDepth: 10 }),
          fc.record(
            {
              channel: fc.oneof(fc.string(), fc.constant('fuzz')),
              channels: fc.array(fc.string(), { maxLength: 3 }),
              data: fc.jsonValue({ maxDepth: 10 }),
              since: fc.jsonValue({ maxDepth: 2 }),
              limit: fc.jsonValue({ maxDepth: 1 }),
              user: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (method, body) => {
          const answer = await post(port, `/api/${method}`, body, { key: KEY })
          expect(
            STATUSES.has(answer.status),
            `${answer.status} ${JSON.stringify(answer.json)}`,
          ).toBe(true)
          expect(answer.status === 200 ? 'result' in answer.json : 'error' in answer.json).toBe(
            true,
          )
          control++
          await post(port, '/api/publish', { channel: 'control', data: control }, { key: KEY })
          expect((await watcher.next('pub')).pub.data).toBe(control)
        },
      ),
      { numRuns: 200, seed: 10 },
    )
  })
})
