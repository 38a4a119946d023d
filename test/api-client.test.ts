/**
 * `hubbub/api` (createApiClient) against a real server over loopback: each typed method, the
 * typed ApiError, and the package's `./api` export as a backend imports it (built dist).
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ApiError, createApiClient } from '../src/api/index.js'
import { createNotifyApp } from '../src/apps/index.js'
import { CloseCode } from '../src/server/index.js'
import { useServer } from './support/harness.js'

const KEY = 'client-test-key-0123456789'

const { start, connect } = useServer({
  apiKey: KEY,
  apps: [createNotifyApp()],
  logger: pino({ level: 'silent' }),
})

describe('hubbub/api client', () => {
  it('publishes, broadcasts and reads history, presence, channels and info', async () => {
    const server = await start({ nodeId: 'n1' })
    const api = createApiClient({ url: `${server.url}/`, key: KEY })
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'news' })

    const published = await api.publish('news', { text: 'hello' }, { key: 'k1' })
    expect(published.seq).toBe(1)
    expect((await alice.next('pub')).pub).toMatchObject({ seq: 1, data: { text: 'hello' } })
    expect(await api.publish('news', { text: 'hello' }, { key: 'k1' })).toEqual(published)

    const { results } = await api.broadcast(['news', 'other'], 'both')
    expect(results).toEqual([
      { seq: 2, epoch: published.epoch },
      { seq: 1, epoch: expect.any(String) as unknown },
    ])
    const history = await api.history('news', { limit: 1, reverse: true })
    expect(history.pubs.map((pub) => pub.data)).toEqual(['both'])
    const { members } = await api.presence('news')
    expect(members.map((member) => member.name)).toEqual(['Alice'])
    expect((await api.channels()).channels).toEqual([{ channel: 'news', subscribers: 1 }])
    expect((await api.info()).nodes).toEqual([
      { node: 'n1', connections: 1, subscriptions: 1, channels: 1 },
    ])
  })

  it('disconnects a user and calls an rpc as the server', async () => {
    const server = await start()
    const api = createApiClient({ url: server.url, key: KEY })
    const alice = await connect('Alice')
    const user = String(alice.member?.user)
    await alice.request({ type: 'subscribe', channel: `notify:${user}` })
    // "Send a notification from your backend" (docs/apps.md): notify.send as the server.
    const { id } = (await api.rpc('notify.send', {
      user,
      title: 'Hi',
      body: 'From the backend',
    })) as { id: string }
    expect(typeof id).toBe('string')
    const frame = await alice.next('pub')
    expect(frame.pub.data).toMatchObject({ kind: 'notification', item: { id, title: 'Hi' } })

    expect(await api.disconnect({ user, reason: 'bye' })).toEqual({ disconnected: 1 })
    expect(await alice.closed).toEqual({ code: CloseCode.Disconnected, reason: 'bye' })
  })

  it('rejects with an ApiError carrying the status and the code', async () => {
    const server = await start()
    const wrong = createApiClient({ url: server.url, key: 'not-the-key-at-all' })
    const refused = await wrong.info().catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized' })

    const api = createApiClient({ url: server.url, key: KEY })
    await expect(api.publish('', 1)).rejects.toMatchObject({
      status: 400,
      code: 'bad_request',
      message: '"channel" must be a non-empty string',
    })
    await expect(api.rpc('no.such.method')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    })
  })

  it('uses the fetch it is given', async () => {
    const server = await start()
    const urls: string[] = []
    const api = createApiClient({
      url: server.url,
      key: KEY,
      fetch: (input, init) => {
        urls.push(input instanceof Request ? input.url : input.toString())
        return fetch(input, init)
      },
    })
    await api.info()
    expect(urls).toEqual([`${server.url}/api/info`])
  })

  it('is the package export hubbub/api (built)', async () => {
    const server = await start()
    // Through the package's exports map, as a backend imports it (a variable: tsc would resolve a
    // literal to dist's types, which may not be built when it checks).
    const specifier = 'hubbub/api'
    expect(import.meta.resolve(specifier)).toMatch(/\/dist\/api\/index\.js$/)
    const built = (await import(specifier)) as typeof import('../src/api/index.js')
    const api = built.createApiClient({ url: server.url, key: KEY })
    expect((await api.publish('built', 1)).seq).toBe(1)
    const err = await built
      .createApiClient({ url: server.url, key: 'x'.repeat(20) })
      .info()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(built.ApiError)
  })
})
