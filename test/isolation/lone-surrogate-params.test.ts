/**
 * hubbub issue 11: a string parameter holding a lone UTF-16 surrogate is no text, and every app
 * method that reads one answers `bad_request` (it used to reach `encodeURIComponent` in the notify
 * store and answer `internal`). Through a real connection and through the HTTP API.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { bundledApps } from '../../src/apps/index.js'
import { post } from '../support/api-http.js'
import { useServer } from '../support/harness.js'
import type { TestClient } from '../support/protocol-client.js'

const KEY = 'isolation-api-key-0123456789'
const LONE = 'a\ud800b'

const { start, connect } = useServer({
  apiKey: KEY,
  apps: bundledApps(),
  logger: pino({ level: 'silent' }),
})

const errorCodeOf = async (client: TestClient, method: string, params: unknown) => {
  const reply = await client.call({ type: 'rpc', method, params })
  return 'error' in reply ? (reply.error as { code: string }).code : 'ok'
}

describe('lone surrogates in app string params', () => {
  it('answer bad_request for notify methods over a connection, and the connection goes on', async () => {
    await start()
    const alice = await connect('Alice')
    const user = alice.member?.user ?? ''
    expect(await errorCodeOf(alice, 'notify.send', { user: LONE, title: 't', body: '' })).toBe(
      'bad_request',
    )
    expect(await errorCodeOf(alice, 'notify.send', { user, title: LONE, body: '' })).toBe(
      'bad_request',
    )
    expect(await errorCodeOf(alice, 'notify.send', { user, title: 't', body: LONE })).toBe(
      'bad_request',
    )
    expect(await errorCodeOf(alice, 'notify.read', { id: '\udc00' })).toBe('bad_request')
    expect(await errorCodeOf(alice, 'notify.send', { user, title: 'fine 😀', body: '' })).toBe('ok')
  })

  it('answer 400 bad_request for notify.send through the HTTP API', async () => {
    const { port } = await start()
    const answer = await post(
      port,
      '/api/rpc',
      { method: 'notify.send', params: { user: LONE, title: 't', body: 'b' } },
      { key: KEY },
    )
    expect(answer.status).toBe(400)
    expect((answer.json.error as { code: string }).code).toBe('bad_request')
    const good = await post(
      port,
      '/api/rpc',
      { method: 'notify.send', params: { user: 'anon:x', title: 't', body: 'b' } },
      { key: KEY },
    )
    expect(good.status).toBe(200)
  })
})
