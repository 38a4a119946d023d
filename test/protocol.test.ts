import { beforeEach, describe, expect, it } from 'vitest'
import type { Member, Pub } from '../src/protocol/index.js'
import { pino } from 'pino'
import { createServer, ErrorCode, ReplyError, type HubbubServer } from '../src/server/index.js'
import { useServer } from './support/harness.js'
import { credentialOf, TestClient } from './support/protocol-client.js'

const { start, url, connect, track } = useServer(
  {
    // The 'broken' rpc method logs an error on purpose.
    logger: pino({ level: 'silent' }),
    apps: [
      {
        name: 'test',
        setup(hub) {
          hub.channel('room:*', { joinLeave: true })
          hub.channel('echo:*', { echo: true })
          hub.channel('news:*', { access: { publish: 'server' } })
          hub.channel('tiny:*', { historySize: 3 })
          hub.channel('quiet:*', { presence: false, historySize: 0 })
          hub.channel('count:*', { state: () => ({ value: 42 }) })
          hub.rpc('math.add', (params) => {
            const { a, b } = params as { a: number; b: number }
            if (typeof a !== 'number' || typeof b !== 'number')
              throw new ReplyError(ErrorCode.BadRequest, 'a and b must be numbers')
            return a + b
          })
          hub.rpc('whoami', (_params, caller) => caller.member.name)
          hub.rpc('broken', () => {
            throw new Error('bug')
          })
        },
      },
    ],
  },
  { graceful: true },
)

let server: HubbubServer

beforeEach(async () => {
  server = await start()
})

describe('connect', () => {
  it('answers with the client id, user, name, node and ping interval', async () => {
    const alice = await connect('Alice')
    const member = alice.member as unknown as Record<string, unknown>
    expect(member.name).toBe('Alice')
    expect(member.client).toMatch(/^[\w-]{12}$/)
    expect(member.user).toMatch(/^anon:[\w-]{16}$/)
    expect(member.credential).toMatch(/^a1\./)
    expect(member.node).toMatch(/^[\w-]+$/)
    expect(member.pingMs).toBe(25_000)
  })

  it('gives anonymous connections of one credential one user id', async () => {
    const tab1 = await connect('Ann')
    const tab2 = await connect('Ann', { credential: credentialOf(tab1) })
    expect(tab2.member?.user).toBe(tab1.member?.user)
    expect(tab1.member?.client).not.toBe(tab2.member?.client)
  })

  it('names a nameless connection and refuses a second connect', async () => {
    const guest = await connect('')
    expect(guest.member?.name).toMatch(/^Guest-/)
    const again = await guest.call({ type: 'connect', name: 'x' })
    expect(again).toMatchObject({ error: { code: 'bad_request' } })
  })

  it('refuses a token when the server has no authenticator: unauthorized, then close 4501', async () => {
    const client = track(new TestClient(url()))
    await new Promise((resolve) => client.ws.once('open', resolve))
    const reply = await client.call({ type: 'connect', token: 'abc' })
    expect(reply).toMatchObject({ error: { code: 'unauthorized' } })
    expect((await client.closed).code).toBe(4501)
  })
})

describe('publish and subscribe', () => {
  it('delivers a publication to every subscriber but its publisher', async () => {
    const [alice, bob, carol] = await Promise.all([
      connect('Alice'),
      connect('Bob'),
      connect('Carol'),
    ])
    for (const client of [alice, bob, carol])
      await client.request({ type: 'subscribe', channel: 'room:1' })
    const { seq } = (await alice.request({
      type: 'publish',
      channel: 'room:1',
      data: { text: 'hi' },
    })) as { seq: number }
    expect(seq).toBe(1)
    for (const client of [bob, carol]) {
      const frame = await client.next('pub')
      expect(frame).toMatchObject({
        channel: 'room:1',
        pub: {
          seq: 1,
          data: { text: 'hi' },
          from: { name: 'Alice', client: alice.member?.client },
        },
      })
    }
    // Alice's next frame is the reply to this, not her own publication.
    await alice.request({ type: 'publish', channel: 'room:1', data: { text: 'again' } })
    expect(alice.inbox.pending.filter((frame) => frame.type === 'pub')).toEqual([])
  })

  it('echoes to the publisher on channels that set echo', async () => {
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'echo:1' })
    await alice.request({ type: 'publish', channel: 'echo:1', data: 1 })
    expect((await alice.next('pub')).pub).toMatchObject({ seq: 1, data: 1 })
  })

  it('gives seq one by one and an epoch that exists before the first publication', async () => {
    const alice = await connect('Alice')
    const sub = (await alice.request({ type: 'subscribe', channel: 'room:seq' })) as {
      epoch: string
      seq: number
      recovered: boolean
      missed: Pub[]
    }
    expect(sub).toMatchObject({ seq: 0, recovered: false, missed: [] })
    expect(sub.epoch).toEqual(expect.any(String))
    const seqs = []
    for (let i = 0; i < 5; i++)
      seqs.push(
        (
          (await alice.request({ type: 'publish', channel: 'room:seq', data: i })) as {
            seq: number
          }
        ).seq,
      )
    expect(seqs).toEqual([1, 2, 3, 4, 5])
    const history = (await alice.request({ type: 'history', channel: 'room:seq' })) as {
      epoch: string
      pubs: Pub[]
    }
    expect(history.epoch).toBe(sub.epoch)
  })

  it('delivers a retried publish with the same key once, answering the first seq', async () => {
    const [alice, bob] = await Promise.all([connect('Alice'), connect('Bob')])
    await bob.request({ type: 'subscribe', channel: 'room:key' })
    const first = await alice.request({
      type: 'publish',
      channel: 'room:key',
      data: 'x',
      key: 'k1',
    })
    const retry = await alice.request({
      type: 'publish',
      channel: 'room:key',
      data: 'x',
      key: 'k1',
    })
    await alice.request({ type: 'publish', channel: 'room:key', data: 'y', key: 'k2' })
    expect(retry).toEqual(first)
    expect((await bob.next('pub')).pub).toMatchObject({ seq: 1, data: 'x' })
    expect((await bob.next('pub')).pub).toMatchObject({ seq: 2, data: 'y' })
  })

  it('refuses client publishes where the channel forbids them, and a server publish still goes out', async () => {
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'news:today' })
    const reply = await alice.call({ type: 'publish', channel: 'news:today', data: 'spam' })
    expect(reply).toMatchObject({ error: { code: 'forbidden' } })
    await server.hub.publish('news:today', { headline: 'hello' })
    const { pub } = await alice.next('pub')
    expect(pub).toMatchObject({ seq: 1, data: { headline: 'hello' } })
    expect(pub).not.toHaveProperty('from')
  })

  it('stops delivering after unsubscribe', async () => {
    const [alice, bob] = await Promise.all([connect('Alice'), connect('Bob')])
    await bob.request({ type: 'subscribe', channel: 'room:u' })
    await bob.request({ type: 'subscribe', channel: 'room:v' })
    await bob.request({ type: 'unsubscribe', channel: 'room:u' })
    await alice.request({ type: 'publish', channel: 'room:u', data: 'gone' })
    await alice.request({ type: 'publish', channel: 'room:v', data: 'here' })
    const frame = await bob.next('pub')
    expect(frame).toMatchObject({ channel: 'room:v', pub: { data: 'here' } })
    expect(bob.inbox.pending.filter((f) => f.type === 'pub')).toEqual([])
  })

  it('refuses a second subscribe to the same channel', async () => {
    const alice = await connect('Alice')
    await alice.request({ type: 'subscribe', channel: 'room:twice' })
    expect(await alice.call({ type: 'subscribe', channel: 'room:twice' })).toMatchObject({
      error: { code: 'bad_request' },
    })
  })

  it('sends app state in the subscribe reply', async () => {
    const alice = await connect('Alice')
    expect(await alice.request({ type: 'subscribe', channel: 'count:a' })).toMatchObject({
      state: { value: 42 },
    })
  })
})

describe('resume with since', () => {
  it('gives exactly the missed publications, in order, to a client that comes back', async () => {
    const [alice, bob] = await Promise.all([connect('Alice'), connect('Bob')])
    const first = (await bob.request({ type: 'subscribe', channel: 'room:resume' })) as {
      epoch: string
    }
    await alice.request({ type: 'publish', channel: 'room:resume', data: 1 })
    const seen = (await bob.next('pub')).pub
    await bob.close()
    for (const n of [2, 3, 4])
      await alice.request({ type: 'publish', channel: 'room:resume', data: n })
    const back = await connect('Bob')
    const result = (await back.request({
      type: 'subscribe',
      channel: 'room:resume',
      since: { epoch: first.epoch, seq: seen.seq },
    })) as { recovered: boolean; missed: Pub[]; seq: number }
    expect(result.recovered).toBe(true)
    expect(result.seq).toBe(4)
    expect(result.missed.map((pub) => pub.data)).toEqual([2, 3, 4])
    await alice.request({ type: 'publish', channel: 'room:resume', data: 5 })
    expect((await back.next('pub')).pub).toMatchObject({ seq: 5, data: 5 })
  })

  it('answers recovered: false for an unknown epoch or a gap beyond history', async () => {
    const alice = await connect('Alice')
    for (let i = 1; i <= 6; i++)
      await alice.request({ type: 'publish', channel: 'tiny:1', data: i })
    const top = (await alice.request({ type: 'history', channel: 'tiny:1' })) as { epoch: string }
    const other = await connect('Bob')
    expect(
      await other.request({
        type: 'subscribe',
        channel: 'tiny:1',
        since: { epoch: 'nope', seq: 5 },
      }),
    ).toMatchObject({ recovered: false, missed: [], seq: 6 })
    await other.request({ type: 'unsubscribe', channel: 'tiny:1' })
    expect(
      await other.request({
        type: 'subscribe',
        channel: 'tiny:1',
        since: { epoch: top.epoch, seq: 1 },
      }),
    ).toMatchObject({ recovered: false, missed: [] })
    await other.request({ type: 'unsubscribe', channel: 'tiny:1' })
    const close = (await other.request({
      type: 'subscribe',
      channel: 'tiny:1',
      since: { epoch: top.epoch, seq: 3 },
    })) as { recovered: boolean; missed: Pub[] }
    expect(close.recovered).toBe(true)
    expect(close.missed.map((pub) => pub.seq)).toEqual([4, 5, 6])
  })

  it('leaves out the client’s own publications from missed', async () => {
    const alice = await connect('Alice')
    const sub = (await alice.request({ type: 'subscribe', channel: 'room:own' })) as {
      epoch: string
    }
    const bob = await connect('Bob')
    await alice.request({ type: 'publish', channel: 'room:own', data: 'mine' })
    await bob.request({ type: 'publish', channel: 'room:own', data: 'yours' })
    await alice.next('pub')
    const history = (await alice.request({
      type: 'history',
      channel: 'room:own',
      since: { epoch: sub.epoch, seq: 0 },
    })) as { pubs: Pub[] }
    expect(history.pubs.map((pub) => pub.data)).toEqual(['mine', 'yours'])
  })
})

describe('history', () => {
  it('returns the newest publications oldest first, reversed on request, within the limit', async () => {
    const alice = await connect('Alice')
    for (let i = 1; i <= 5; i++)
      await alice.request({ type: 'publish', channel: 'room:h', data: i })
    const data = async (frame: Record<string, unknown>) =>
      (
        (await alice.request({ type: 'history', channel: 'room:h', ...frame })) as { pubs: Pub[] }
      ).pubs.map((pub) => pub.data)
    expect(await data({})).toEqual([1, 2, 3, 4, 5])
    expect(await data({ limit: 2 })).toEqual([4, 5])
    expect(await data({ limit: 2, reverse: true })).toEqual([5, 4])
    expect(await data({ limit: 0 })).toEqual([])
  })

  it('pages through history since a position', async () => {
    const alice = await connect('Alice')
    for (let i = 1; i <= 5; i++)
      await alice.request({ type: 'publish', channel: 'room:pg', data: i })
    const { epoch } = (await alice.request({ type: 'history', channel: 'room:pg' })) as {
      epoch: string
    }
    const page = async (seq: number) =>
      (
        (await alice.request({
          type: 'history',
          channel: 'room:pg',
          since: { epoch, seq },
          limit: 2,
        })) as { pubs: Pub[] }
      ).pubs.map((pub) => pub.seq)
    expect(await page(1)).toEqual([2, 3])
    expect(await page(3)).toEqual([4, 5])
    expect(await page(5)).toEqual([])
  })

  it('answers unrecoverable for a since that history no longer covers', async () => {
    const alice = await connect('Alice')
    for (let i = 1; i <= 6; i++)
      await alice.request({ type: 'publish', channel: 'tiny:h', data: i })
    const { epoch } = (await alice.request({ type: 'history', channel: 'tiny:h' })) as {
      epoch: string
    }
    expect(
      await alice.call({ type: 'history', channel: 'tiny:h', since: { epoch, seq: 1 } }),
    ).toMatchObject({ error: { code: 'unrecoverable' } })
    expect(
      await alice.call({ type: 'history', channel: 'tiny:h', since: { epoch: 'old', seq: 5 } }),
    ).toMatchObject({ error: { code: 'unrecoverable' } })
  })
})

describe('presence', () => {
  it('lists one user with two connections as one person with two clients', async () => {
    const tab1 = await connect('Ann')
    const tab2 = await connect('Ann', { credential: credentialOf(tab1) })
    const bob = await connect('Bob')
    await tab1.request({ type: 'subscribe', channel: 'room:p' })
    await tab2.request({ type: 'subscribe', channel: 'room:p' })
    const result = (await bob.request({
      type: 'subscribe',
      channel: 'room:p',
      presence: true,
    })) as {
      members: Member[]
    }
    const byUser = new Map<string, string[]>()
    for (const member of result.members)
      byUser.set(member.user, [...(byUser.get(member.user) ?? []), member.client])
    expect(byUser.get(String(tab1.member?.user))?.sort()).toEqual(
      [tab1.member?.client, tab2.member?.client].sort(),
    )
    expect(byUser.size).toBe(2)
    const listed = (await bob.request({ type: 'presence', channel: 'room:p' })) as {
      members: Member[]
    }
    expect(listed.members).toHaveLength(3)
  })

  it('sends join and leave to the other subscribers', async () => {
    const [alice, bob] = await Promise.all([connect('Alice'), connect('Bob')])
    await alice.request({ type: 'subscribe', channel: 'room:jl' })
    await bob.request({ type: 'subscribe', channel: 'room:jl' })
    expect(await alice.next('join')).toMatchObject({ channel: 'room:jl', member: { name: 'Bob' } })
    await bob.close()
    expect(await alice.next('leave')).toMatchObject({ channel: 'room:jl', member: { name: 'Bob' } })
    const { members } = (await alice.request({ type: 'presence', channel: 'room:jl' })) as {
      members: Member[]
    }
    expect(members.map((member) => member.name)).toEqual(['Alice'])
  })

  it('answers not_found where a channel keeps no presence', async () => {
    const alice = await connect('Alice')
    expect(await alice.call({ type: 'presence', channel: 'quiet:1' })).toMatchObject({
      error: { code: 'not_found' },
    })
  })
})

describe('signal and rpc', () => {
  it('relays a signal to the other subscribers and never stores it', async () => {
    const [alice, bob] = await Promise.all([connect('Alice'), connect('Bob')])
    await alice.request({ type: 'subscribe', channel: 'room:s' })
    await bob.request({ type: 'subscribe', channel: 'room:s' })
    alice.send({ type: 'signal', channel: 'room:s', data: { typing: true } })
    expect(await bob.next('signal')).toMatchObject({
      channel: 'room:s',
      from: { name: 'Alice' },
      data: { typing: true },
    })
    const history = (await bob.request({ type: 'history', channel: 'room:s' })) as { pubs: Pub[] }
    expect(history.pubs).toEqual([])
  })

  it('calls rpc methods, with the caller, and maps their errors to reply codes', async () => {
    const alice = await connect('Alice')
    expect(await alice.request({ type: 'rpc', method: 'math.add', params: { a: 2, b: 3 } })).toBe(5)
    expect(await alice.request({ type: 'rpc', method: 'whoami' })).toBe('Alice')
    expect(await alice.call({ type: 'rpc', method: 'math.add', params: {} })).toMatchObject({
      error: { code: 'bad_request', message: 'a and b must be numbers' },
    })
    expect(await alice.call({ type: 'rpc', method: 'nope', params: null })).toMatchObject({
      error: { code: 'not_found' },
    })
    expect(await alice.call({ type: 'rpc', method: 'broken', params: null })).toMatchObject({
      error: { code: 'internal', message: 'internal error' },
    })
  })
})

describe('channel guards and stats', () => {
  it('lets canRead and canWrite refuse clients with forbidden, never the server API', async () => {
    const guarded = await createServer({
      port: 0,
      channels: {
        'private:*': {
          canRead: (member, channel) => channel === `private:${member.user}`,
          canWrite: (member) => member.name !== 'Mallory',
        },
      },
    })
    const at = `ws://localhost:${guarded.port}`
    const ann = await TestClient.connect(at, 'Ann')
    const mallory = await TestClient.connect(at, 'Mallory')
    const annChannel = `private:${String(ann.member?.user)}`
    try {
      await ann.request({ type: 'subscribe', channel: annChannel })
      for (const frame of [
        { type: 'subscribe', channel: annChannel },
        { type: 'presence', channel: annChannel },
        { type: 'history', channel: annChannel },
        { type: 'publish', channel: `private:${String(mallory.member?.user)}`, data: 'x' },
      ])
        expect(await mallory.call(frame)).toMatchObject({ error: { code: 'forbidden' } })
      await guarded.hub.publish(annChannel, 'from the server')
      expect((await ann.next('pub')).pub).toMatchObject({ data: 'from the server' })
      expect(guarded.hub.stats()).toMatchObject({ connections: 2 })
      expect(guarded.hub.stats().messagesIn).toBeGreaterThanOrEqual(7)
      expect(guarded.hub.stats().messagesOut).toBeGreaterThanOrEqual(8)
    } finally {
      await Promise.all([ann.close(), mallory.close()])
      await guarded.close()
    }
  })
})
