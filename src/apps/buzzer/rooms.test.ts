import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type HubbubServer } from '../../server/index.js'
import { createBuzzerRooms, type BuzzerRooms, type BuzzerRoomsOptions } from './rooms.js'

const player = (name: string) => ({ key: `user:${name}`, name, client: `c-${name}` })

let server: HubbubServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Rooms on a fake clock, attached to a real server (memory engine) that keeps their log. */
const create = async (options: BuzzerRoomsOptions = {}) => {
  const clock = { nowMs: 0 }
  const rooms: BuzzerRooms = createBuzzerRooms({ nowMs: () => clock.nowMs, ...options })
  server = await createServer({
    port: 0,
    apps: [
      {
        name: 'rooms',
        setup: (hub) => {
          rooms.attach(hub)
        },
        close: () => rooms.dispose(),
      },
    ],
  })
  return { clock, rooms }
}

describe('buzzer rooms', () => {
  it('goes back to host-less play hostIdleMs after the last host action', async () => {
    const { clock, rooms } = await create({ hostIdleMs: 1_000, autoCloseMs: 100 })
    await rooms.host('r', 'open', 'user:h')
    await rooms.host('r', 'close', 'user:h')
    clock.nowMs = 999
    expect(await rooms.buzz('r', player('a'))).toEqual({ kind: 'closed' })
    clock.nowMs = 1_000
    expect(await rooms.snapshot('r')).toMatchObject({ hosted: false, open: false })
    expect(await rooms.buzz('r', player('a'))).toMatchObject({ kind: 'ranked', place: 1 })
    expect(await rooms.snapshot('r')).toMatchObject({ hosted: false, open: true })
    clock.nowMs = 1_100
    expect((await rooms.snapshot('r')).open).toBe(false)
  })

  it('lets only the host of a room act until the host has been idle for hostIdleMs', async () => {
    const { clock, rooms } = await create({ hostIdleMs: 1_000 })
    expect(await rooms.host('r', 'open', 'user:host')).toMatchObject({ kind: 'done' })
    for (const action of ['open', 'close', 'reset'] as const)
      expect(await rooms.host('r', action, 'user:mallory')).toEqual({ kind: 'not-host' })
    expect(await rooms.snapshot('r')).toMatchObject({ hosted: true, open: true })
    // Another room is anyone's.
    expect(await rooms.host('s', 'open', 'user:mallory')).toMatchObject({ kind: 'done' })
    clock.nowMs = 999
    expect(await rooms.host('r', 'close', 'user:host')).toMatchObject({ kind: 'done' })
    clock.nowMs = 1_998
    expect(await rooms.host('r', 'open', 'user:mallory')).toEqual({ kind: 'not-host' })
    clock.nowMs = 1_999
    expect(await rooms.host('r', 'open', 'user:mallory')).toMatchObject({
      kind: 'done',
      snapshot: { hosted: true, open: true },
    })
    expect(await rooms.host('r', 'reset', 'user:host')).toEqual({ kind: 'not-host' })
  })

  it('refuses players past maxPlayersPerRound and maxPlayersPerSource', async () => {
    const { rooms } = await create({ maxPlayersPerRound: 3, maxPlayersPerSource: 2 })
    const from = (name: string, source: string) => ({ ...player(name), source })
    expect(await rooms.buzz('r', from('a', 'ip:1'))).toMatchObject({ kind: 'ranked', place: 1 })
    expect(await rooms.buzz('r', from('a', 'ip:1'))).toMatchObject({ kind: 'repeat', place: 1 })
    expect(await rooms.buzz('r', from('b', 'ip:1'))).toMatchObject({ kind: 'ranked', place: 2 })
    expect(await rooms.buzz('r', from('c', 'ip:1'))).toEqual({ kind: 'source-full' })
    expect(await rooms.buzz('r', from('d', 'ip:2'))).toMatchObject({ kind: 'ranked', place: 3 })
    expect(await rooms.buzz('r', from('e', 'ip:3'))).toEqual({ kind: 'full' })
    expect((await rooms.snapshot('r')).results.map((result) => result.name)).toEqual([
      'a',
      'b',
      'd',
    ])
    await rooms.host('r', 'reset', 'user:h')
    expect(await rooms.snapshot('r')).toMatchObject({ hosted: true, open: false, results: [] })
  })

  it('keeps maxRooms rooms in memory and reads a dropped one back from its log', async () => {
    const { rooms } = await create({ maxRooms: 2 })
    await rooms.buzz('a', player('x'))
    await rooms.buzz('b', player('x'))
    await rooms.buzz('a', player('y'))
    // A third room drops the least recently used one (b) from memory, not from the log.
    await rooms.buzz('c', player('x'))
    expect((await rooms.snapshot('b')).results).toHaveLength(1)
    expect((await rooms.snapshot('a')).results).toHaveLength(2)
    expect((await rooms.snapshot('c')).results).toHaveLength(1)
  })

  it('refuses a new room when every room in memory is hosted', async () => {
    const { rooms } = await create({ maxRooms: 2 })
    await rooms.host('a', 'open', 'user:h')
    await rooms.host('c', 'open', 'user:h')
    expect(await rooms.buzz('d', player('x'))).toEqual({ kind: 'quota' })
    expect(await rooms.host('d', 'open', 'user:h')).toEqual({ kind: 'quota' })
    // A new room can still be looked at.
    expect(await rooms.snapshot('d')).toMatchObject({ open: false, results: [] })
  })
})
