/**
 * The board app over loopback (DESIGN.md §8, docs/apps.md): validated strokes through
 * `board.stroke`, cursor signals, `board.clear`, and a late joiner that replays exactly the strokes
 * since the last clear from history.
 */
import { describe, expect, it } from 'vitest'
import { createBoardApp, type BoardEvent, type BoardState } from '../src/apps/index.js'
import type { Pub } from '../src/protocol/index.js'
import { useServer } from './support/harness.js'
import { TestClient } from './support/protocol-client.js'
import { createServer } from '../src/server/index.js'

const { start, connect } = useServer({ apps: [createBoardApp()] })

const stroke = (id: string) => ({
  id,
  color: '#ff8800',
  width: 0.01,
  points: [
    [0, 0],
    [0.5, 0.25],
    [1, 1],
  ],
})

const draw = async (client: TestClient, name: string, id: string): Promise<number> => {
  const { seq } = (await client.request({
    type: 'rpc',
    method: 'board.stroke',
    params: { name, stroke: stroke(id) },
  })) as { seq: number }
  return seq
}

describe('board', () => {
  it('publishes validated strokes as the drawer, to everyone else', async () => {
    await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    for (const client of [alice, bob])
      await client.request({ type: 'subscribe', channel: 'board:team' })
    const seq = await draw(alice, 'team', 's1')
    const { pub } = await bob.next('pub')
    expect(pub).toMatchObject({ seq, from: { name: 'Alice' } })
    expect(pub.data).toEqual({ kind: 'stroke', ...stroke('s1') })
    // Not echoed to the drawer: its next publication is Bob's.
    await draw(bob, 'team', 's2')
    expect((await alice.next('pub')).pub.data).toMatchObject({ id: 's2' })
  })

  it('carries cursors as signals', async () => {
    await start()
    const alice = await connect('Alice')
    const bob = await connect('Bob')
    for (const client of [alice, bob])
      await client.request({ type: 'subscribe', channel: 'board:team' })
    alice.send({ type: 'signal', channel: 'board:team', data: { x: 0.25, y: 0.75 } })
    expect(await bob.next('signal')).toMatchObject({
      channel: 'board:team',
      from: { name: 'Alice' },
      data: { x: 0.25, y: 0.75 },
    })
  })

  it('gives a late joiner exactly the strokes since the last clear', async () => {
    await start()
    const alice = await connect('Alice')
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'board:team' })
    await draw(alice, 'team', 'before-1')
    await draw(alice, 'team', 'before-2')
    const early = await connect('Early')
    expect(await early.request({ type: 'subscribe', channel: 'board:team' })).toMatchObject({
      state: { clearedAtSeq: 0 },
    })

    const { seq: clearSeq } = (await alice.request({
      type: 'rpc',
      method: 'board.clear',
      params: { name: 'team' },
    })) as { seq: number }
    expect((await watcher.next('pub', (f) => (f.pub as Pub).seq === clearSeq)).pub.data).toEqual({
      kind: 'clear',
    })
    await draw(alice, 'team', 'after-1')
    await draw(alice, 'team', 'after-2')

    const late = await connect('Late')
    const subscribed = (await late.request({ type: 'subscribe', channel: 'board:team' })) as {
      epoch: string
      seq: number
      state: BoardState
    }
    expect(subscribed.state).toEqual({ clearedAtSeq: clearSeq })
    const { pubs } = (await late.request({
      type: 'history',
      channel: 'board:team',
      since: { epoch: subscribed.epoch, seq: subscribed.state.clearedAtSeq },
      limit: 100,
    })) as { pubs: Pub[] }
    expect(pubs.map((pub) => (pub.data as BoardEvent & { id?: string }).id)).toEqual([
      'after-1',
      'after-2',
    ])
    expect(pubs.at(-1)?.seq).toBe(subscribed.seq)
  })

  it('refuses bad strokes and names with bad_request', async () => {
    await start()
    const alice = await connect('Alice')
    const call = (params: unknown) => alice.request({ type: 'rpc', method: 'board.stroke', params })
    const bad = [
      { ...stroke('x'), points: [[0, 1.5]] },
      { ...stroke('x'), points: [] },
      { ...stroke('x'), points: [[0, 0, 0]] },
      { ...stroke('x'), points: [['0', 0]] },
      { ...stroke('x'), color: 'red' },
      { ...stroke('x'), width: 0 },
      { ...stroke('x'), id: '' },
      { ...stroke('x'), kind: 'clear' },
      'a stroke',
    ]
    for (const value of bad)
      await expect(call({ name: 'team', stroke: value })).rejects.toThrow(/^bad_request: stroke/)
    await expect(call({ name: 'a/b', stroke: stroke('x') })).rejects.toThrow(/^bad_request: name/)
    await expect(
      alice.request({ type: 'rpc', method: 'board.clear', params: { name: '' } }),
    ).rejects.toThrow(/^bad_request: name/)
    await expect(alice.request({ type: 'subscribe', channel: 'board:a b' })).rejects.toThrow(
      /^bad_request/,
    )
    expect(await alice.request({ type: 'history', channel: 'board:team' })).toMatchObject({
      pubs: [],
    })
  })
})

describe('board writes from clients', () => {
  it('accepts cursor signals and refuses client publishes and malformed signals', async () => {
    const server = await createServer({ port: 0, apps: [createBoardApp()] })
    const url = `ws://localhost:${server.port}`
    const [ann, bob] = await Promise.all([
      TestClient.connect(url, 'Ann'),
      TestClient.connect(url, 'Bob'),
    ])
    try {
      await ann.request({ type: 'subscribe', channel: 'board:w' })
      await bob.request({ type: 'subscribe', channel: 'board:w' })
      expect(
        await bob.call({ type: 'publish', channel: 'board:w', data: { kind: 'clear' } }),
      ).toMatchObject({
        error: { code: 'forbidden' },
      })
      bob.send({ type: 'signal', channel: 'board:w', data: { x: 5, y: 'no' } })
      bob.send({ type: 'signal', channel: 'board:w', data: { x: 0.25, y: 0.75 } })
      // The malformed one never arrives: the first signal Ann sees is the cursor.
      expect(await ann.next('signal')).toMatchObject({
        from: { name: 'Bob' },
        data: { x: 0.25, y: 0.75 },
      })
    } finally {
      await Promise.all([ann.close(), bob.close()])
      await server.close()
    }
  })
})
