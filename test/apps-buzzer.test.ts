/**
 * The buzzer app over loopback (DESIGN.md §8, docs/apps.md): rooms `buzzer:<room>` with the room's
 * snapshot as subscribe `state` and after every change, ranking by arrival minus half the
 * reported round trip, hosted and host-less rounds, and one round shared with plain `/buzzer`
 * clients in `buzzer:main`.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  bundledApps,
  createBuzzerApp,
  createBuzzerRooms,
  createTextApp,
  type BuzzerRoomsOptions,
  type BuzzerSnapshot,
} from '../src/apps/index.js'
import { plainBuzzer } from './support/plain-buzzer.js'
import { useServer } from './support/harness.js'
import type { TestClient } from './support/protocol-client.js'

const { start, connect, track, url } = useServer()

/** A server with the buzzer app and the text app sharing one registry on a fake clock. */
const startBuzzer = async (options: BuzzerRoomsOptions = {}) => {
  const clock = { nowMs: 10_000 }
  const rooms = createBuzzerRooms({ nowMs: () => clock.nowMs, ...options })
  await start({ apps: [createTextApp({ buzzerRooms: rooms }), createBuzzerApp({ rooms })] })
  return clock
}

const rpc = (client: TestClient, method: string, params: unknown) =>
  client.request({ type: 'rpc', method, params })

/** The next snapshot published to `channel` that `match` accepts. */
const nextSnapshot = async (
  client: TestClient,
  match: (snapshot: BuzzerSnapshot) => boolean = () => true,
): Promise<BuzzerSnapshot> => {
  const frame = await client.next('pub', (f) => match((f.pub as { data: BuzzerSnapshot }).data))
  return frame.pub.data as BuzzerSnapshot
}

const plain = (path: string) => plainBuzzer(track(new WebSocket(url(path))))

describe('buzzer', () => {
  it('ranks by arrival minus half the round trip and publishes the snapshot after each buzz', async () => {
    const clock = await startBuzzer()
    const watcher = await connect('Watcher')
    const subscribed = (await watcher.request({ type: 'subscribe', channel: 'buzzer:quiz' })) as {
      state: BuzzerSnapshot
    }
    expect(subscribed.state).toMatchObject({ open: false, hosted: false, results: [] })
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => connect(n)))
    if (alice === undefined || bob === undefined || carol === undefined) throw new Error('clients')

    // Alice arrives at 10_000 with a 100 ms round trip: pressed at 9_950.
    expect(await rpc(alice, 'buzzer.buzz', { room: 'quiz', rttMs: 100 })).toEqual({
      place: 1,
      behindMs: 0,
      compensationMs: 50,
      repeat: false,
    })
    const first = await nextSnapshot(watcher)
    expect(first).toMatchObject({ open: true, hosted: false })
    expect(first.roundId).not.toBe(subscribed.state.roundId)
    // Bob arrives 30 ms later with no round trip reported: pressed at 10_030.
    clock.nowMs += 30
    expect(await rpc(bob, 'buzzer.buzz', { room: 'quiz' })).toEqual({
      place: 2,
      behindMs: 80,
      compensationMs: 0,
      repeat: false,
    })
    // Carol arrives later still, but 300 ms away: pressed at 9_890, first.
    clock.nowMs += 10
    expect(await rpc(carol, 'buzzer.buzz', { room: 'quiz', rttMs: 300 })).toEqual({
      place: 1,
      behindMs: 0,
      compensationMs: 150,
      repeat: false,
    })
    const last = await nextSnapshot(watcher, (s) => s.results.length === 3)
    expect(last).toEqual({
      open: true,
      hosted: false,
      roundId: first.roundId,
      results: [
        { name: 'Carol', client: carol.member?.client, behindMs: 0, compensationMs: 150, place: 1 },
        { name: 'Alice', client: alice.member?.client, behindMs: 60, compensationMs: 50, place: 2 },
        { name: 'Bob', client: bob.member?.client, behindMs: 140, compensationMs: 0, place: 3 },
      ],
    })
    // One buzz per player and round; the answer is its standing.
    expect(await rpc(alice, 'buzzer.buzz', { room: 'quiz', rttMs: 0 })).toEqual({
      place: 2,
      behindMs: 60,
      compensationMs: 50,
      repeat: true,
    })
    const late = await connect('Late')
    expect(await late.request({ type: 'subscribe', channel: 'buzzer:quiz' })).toMatchObject({
      state: last,
    })
  })

  it('clamps the round trip to 1 s and refuses a bad one', async () => {
    await startBuzzer()
    const alice = await connect('Alice')
    expect(await rpc(alice, 'buzzer.buzz', { room: 'r', rttMs: 60_000 })).toMatchObject({
      compensationMs: 500,
    })
    for (const rttMs of [-1, 'fast', null])
      await expect(rpc(alice, 'buzzer.buzz', { room: 'r', rttMs })).rejects.toThrow(
        /^bad_request: rttMs/,
      )
    await expect(rpc(alice, 'buzzer.buzz', { room: 'no room' })).rejects.toThrow(
      /^bad_request: room/,
    )
    await expect(
      alice.request({ type: 'publish', channel: 'buzzer:r', data: { open: true } }),
    ).rejects.toThrow(/^forbidden/)
  })

  it('answers buzzer.ping with the server time', async () => {
    await startBuzzer()
    const alice = await connect('Alice')
    const before = Date.now()
    const { serverTime } = (await rpc(alice, 'buzzer.ping', {})) as { serverTime: number }
    expect(serverTime).toBeGreaterThanOrEqual(before)
    expect(serverTime).toBeLessThanOrEqual(Date.now())
  })

  it('lets a host open, close and reset rounds; a closed hosted round refuses buzzes', async () => {
    await startBuzzer()
    const host = await connect('Host')
    const alice = await connect('Alice')
    await host.request({ type: 'subscribe', channel: 'buzzer:game' })

    const opened = (await rpc(host, 'buzzer.open', { room: 'game' })) as BuzzerSnapshot
    expect(opened).toMatchObject({ open: true, hosted: true, results: [] })
    expect(await nextSnapshot(host)).toEqual(opened)
    expect(await rpc(alice, 'buzzer.buzz', { room: 'game' })).toMatchObject({ place: 1 })
    expect(await nextSnapshot(host)).toMatchObject({ results: [{ name: 'Alice', place: 1 }] })

    const closed = (await rpc(host, 'buzzer.close', { room: 'game' })) as BuzzerSnapshot
    expect(closed).toMatchObject({ open: false, hosted: true, roundId: opened.roundId })
    expect(closed.results).toHaveLength(1)
    const bob = await connect('Bob')
    await expect(rpc(bob, 'buzzer.buzz', { room: 'game' })).rejects.toThrow(/^forbidden/)

    const reset = (await rpc(host, 'buzzer.reset', { room: 'game' })) as BuzzerSnapshot
    expect(reset).toMatchObject({ open: false, hosted: true, results: [] })
    expect(reset.roundId).not.toBe(opened.roundId)
    await expect(rpc(bob, 'buzzer.buzz', { room: 'game' })).rejects.toThrow(/^forbidden/)
    const again = (await rpc(host, 'buzzer.open', { room: 'game' })) as BuzzerSnapshot
    expect(again.roundId).not.toBe(reset.roundId)
    expect(await rpc(bob, 'buzzer.buzz', { room: 'game' })).toMatchObject({ place: 1 })
  })

  it('lets only whom canHost accepts open, close and reset', async () => {
    await start({
      apps: [
        createBuzzerApp({ canHost: (member, room) => member.name === 'Host' && room === 'a' }),
      ],
    })
    const host = await connect('Host')
    const alice = await connect('Alice')
    for (const method of ['buzzer.open', 'buzzer.close', 'buzzer.reset'])
      await expect(rpc(alice, method, { room: 'a' })).rejects.toThrow(/^forbidden/)
    await expect(rpc(host, 'buzzer.open', { room: 'b' })).rejects.toThrow(/^forbidden/)
    expect(await rpc(host, 'buzzer.open', { room: 'a' })).toMatchObject({ open: true })
    expect(await rpc(alice, 'buzzer.buzz', { room: 'a' })).toMatchObject({ place: 1 })
  })

  it('without a host closes a round by itself after autoCloseMs and publishes that', async () => {
    // The real clock: the close timer is what this tests.
    await start({ apps: [createBuzzerApp({ rooms: createBuzzerRooms({ autoCloseMs: 50 }) })] })
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'buzzer:quick' })
    const alice = await connect('Alice')
    await rpc(alice, 'buzzer.buzz', { room: 'quick' })
    const open = await nextSnapshot(watcher)
    expect(open.open).toBe(true)
    const closed = await nextSnapshot(watcher)
    expect(closed).toMatchObject({ open: false, roundId: open.roundId, results: [{ place: 1 }] })
    // The next buzz opens a new round.
    expect(await rpc(alice, 'buzzer.buzz', { room: 'quick' })).toMatchObject({ place: 1 })
    expect((await nextSnapshot(watcher)).roundId).not.toBe(open.roundId)
  })

  it('puts plain /buzzer clients and buzzer:main players in one round', async () => {
    const clock = await startBuzzer()
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'buzzer:main' })
    const player = await plain('/buzzer')
    const alice = await connect('Alice')

    expect(await player.buzz()).toBe('First place!')
    expect(await nextSnapshot(watcher)).toMatchObject({
      open: true,
      results: [{ name: 'Player 1', behindMs: 0, compensationMs: 0, place: 1 }],
    })
    clock.nowMs += 420
    expect(await rpc(alice, 'buzzer.buzz', { room: 'main' })).toMatchObject({
      place: 2,
      behindMs: 420,
    })
    await nextSnapshot(watcher, (s) => s.results.length === 2)

    // The host's close holds for plain clients too.
    await rpc(alice, 'buzzer.reset', { room: 'main' })
    expect(await player.buzz()).toBe('The round is closed.')
    await rpc(alice, 'buzzer.open', { room: 'main' })
    expect(await rpc(alice, 'buzzer.buzz', { room: 'main' })).toMatchObject({ place: 1 })
    clock.nowMs += 1_234
    expect(await player.buzz()).toBe('Response time: 1.23 sec slower.')
  })

  it('shares buzzer:main with /buzzer in bundledApps()', async () => {
    await start({ apps: bundledApps() })
    const watcher = await connect('Watcher')
    await watcher.request({ type: 'subscribe', channel: 'buzzer:main' })
    const player = await plain('/buzzer')
    expect(await player.buzz()).toBe('First place!')
    expect(await nextSnapshot(watcher)).toMatchObject({ open: true, results: [{ place: 1 }] })
  })
})
