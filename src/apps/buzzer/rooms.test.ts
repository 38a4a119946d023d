import { afterEach, describe, expect, it } from 'vitest'
import { createBuzzerRooms, type BuzzerRooms, type BuzzerRoomsOptions } from './rooms.js'

const player = (name: string) => ({ key: `user:${name}`, name, client: `c-${name}` })

let rooms: BuzzerRooms | undefined
afterEach(() => {
  rooms?.dispose()
})

const create = (options: BuzzerRoomsOptions = {}) => {
  const clock = { nowMs: 0 }
  rooms = createBuzzerRooms({ nowMs: () => clock.nowMs, ...options })
  return { clock, rooms }
}

describe('buzzer rooms', () => {
  it('goes back to host-less play hostIdleMs after the last host action', () => {
    const { clock, rooms } = create({ hostIdleMs: 1_000, autoCloseMs: 100 })
    rooms.host('r', 'open', 'user:h')
    rooms.host('r', 'close', 'user:h')
    clock.nowMs = 999
    expect(rooms.buzz('r', player('a'))).toEqual({ kind: 'closed' })
    clock.nowMs = 1_000
    expect(rooms.snapshot('r')).toMatchObject({ hosted: false, open: false })
    expect(rooms.buzz('r', player('a'))).toMatchObject({ kind: 'ranked', place: 1 })
    expect(rooms.snapshot('r')).toMatchObject({ hosted: false, open: true })
    clock.nowMs = 1_100
    expect(rooms.snapshot('r').open).toBe(false)
  })

  it('lets only the host of a room act until the host has been idle for hostIdleMs', () => {
    const { clock, rooms } = create({ hostIdleMs: 1_000 })
    expect(rooms.host('r', 'open', 'user:host')).toMatchObject({ kind: 'done' })
    for (const action of ['open', 'close', 'reset'] as const)
      expect(rooms.host('r', action, 'user:mallory')).toEqual({ kind: 'not-host' })
    expect(rooms.snapshot('r')).toMatchObject({ hosted: true, open: true })
    // Another room is anyone's.
    expect(rooms.host('s', 'open', 'user:mallory')).toMatchObject({ kind: 'done' })
    clock.nowMs = 999
    expect(rooms.host('r', 'close', 'user:host')).toMatchObject({ kind: 'done' })
    clock.nowMs = 1_998
    expect(rooms.host('r', 'open', 'user:mallory')).toEqual({ kind: 'not-host' })
    clock.nowMs = 1_999
    expect(rooms.host('r', 'open', 'user:mallory')).toMatchObject({
      kind: 'done',
      snapshot: { hosted: true, open: true },
    })
    expect(rooms.host('r', 'reset', 'user:host')).toEqual({ kind: 'not-host' })
  })

  it('tells listeners about every change, and refuses players past maxPlayersPerRound', () => {
    const { rooms } = create({ maxPlayersPerRound: 2 })
    const heard: string[] = []
    const off = rooms.onChange((room, snapshot) => heard.push(`${room}:${snapshot.results.length}`))
    rooms.buzz('r', player('a'))
    rooms.buzz('r', player('a'))
    rooms.buzz('r', player('b'))
    expect(rooms.buzz('r', player('c'))).toEqual({ kind: 'full' })
    expect(rooms.buzz('r', player('b'))).toMatchObject({ kind: 'repeat', place: 2 })
    rooms.host('r', 'reset', 'user:h')
    off()
    rooms.buzz('r', player('c'))
    expect(heard).toEqual(['r:1', 'r:2', 'r:0'])
  })

  it('keeps at most maxRooms rooms, forgetting the least recently used', () => {
    const { rooms } = create({ maxRooms: 2 })
    rooms.buzz('a', player('x'))
    rooms.buzz('b', player('x'))
    rooms.buzz('a', player('y'))
    rooms.buzz('c', player('x'))
    expect(rooms.snapshot('a').results).toHaveLength(2)
    expect(rooms.snapshot('b').results).toHaveLength(0)
    expect(rooms.snapshot('c').results).toHaveLength(1)
  })
})
