import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import {
  buzz,
  closeRound,
  createRound,
  isOpenAt,
  openRound,
  resetRound,
  standings,
  type BuzzOutcome,
  type Round,
} from './round.js'

/** Options of {@link createBuzzerRooms}. Every field is optional. */
export interface BuzzerRoomsOptions {
  /** How long a round without a host stays open after its first buzz. @default 10_000 */
  autoCloseMs?: number
  /** Largest round-trip time credited; larger reported ones are clamped to it. @default 1_000 */
  maxRttMs?: number
  /** A room goes back to host-less play this long after its host's last open, close or reset. @default 900_000 (15 min) */
  hostIdleMs?: number
  /**
   * Rooms kept in memory; past this the least recently used room that is not live (hosted, its
   * host active within `hostIdleMs`) is forgotten, and when every room is live a new one is
   * refused (`quota`). @default 1_000
   */
  maxRooms?: number
  /** Players one round accepts; later buzzes get `full`. @default 200 */
  maxPlayersPerRound?: number
  /**
   * Players of one source (a plain client's IP address, a protocol client's user) one round
   * accepts; later ones get `source-full`, so one attacker cannot fill a round. @default 4
   */
  maxPlayersPerSource?: number
  /** The clock buzzes are timed with, in ms (monotonic); tests pass a fake one. @default performance.now */
  nowMs?: () => number
}

export const buzzerRoomsDefaults: Required<BuzzerRoomsOptions> = {
  autoCloseMs: 10_000,
  maxRttMs: 1_000,
  hostIdleMs: 900_000,
  maxRooms: 1_000,
  maxPlayersPerRound: 200,
  maxPlayersPerSource: 4,
  nowMs: () => performance.now(),
}

/** Who buzzes. `key` identifies the player across its buzzes: one buzz per key and round. */
export interface Player {
  readonly key: string
  readonly name: string
  readonly client: string
  /** Where the player comes from (e.g. `ip:<address>`), for `maxPlayersPerSource`. @default key */
  readonly source?: string
}

/** One line of a round's ranking, as published. Times in ms, rounded to 0.1 ms. */
export interface BuzzerResult {
  name: string
  client: string
  /** How much later than the fastest this player pressed; 0 for first place. */
  behindMs: number
  /** Half the player's (clamped) round trip, credited to its arrival time. */
  compensationMs: number
  place: number
}

/** A room's state: what `buzzer:<room>` publications carry and its subscribe `state`. */
export interface BuzzerSnapshot {
  open: boolean
  /** Whether a host runs the room (then only the host opens rounds). */
  hosted: boolean
  /** Changes whenever the buzzes are cleared: a round opens or the room is reset. Opaque. */
  roundId: string
  /** Fastest first. */
  results: BuzzerResult[]
}

/** What became of a buzz: the round's outcome plus the credited compensation, or a full round. */
export type RoomBuzzOutcome =
  | (Extract<BuzzOutcome, { kind: 'ranked' | 'repeat' }> & { compensationMs: number })
  | Extract<BuzzOutcome, { kind: 'closed' }>
  | { kind: 'full' }
  /** The round has `maxPlayersPerSource` players from this player's source already. */
  | { kind: 'source-full' }
  /** A new room was needed, and every one of the `maxRooms` rooms is live. */
  | { kind: 'quota' }

export type HostAction = 'open' | 'close' | 'reset'

/** What became of a host action: done, or refused because another player hosts the room. */
export type HostOutcome =
  { kind: 'done'; snapshot: BuzzerSnapshot } | { kind: 'not-host' } | { kind: 'quota' }

/**
 * The buzzer rounds of one node, by room, shared by the `buzzer:<room>` rpc methods and the plain
 * `/buzzer` endpoint. A room without a host plays as round.ts describes (a buzz opens a round
 * that closes `autoCloseMs` later); a host's `open` makes the room hosted until `hostIdleMs` pass
 * without a host action. Listeners hear every change, the timed close included.
 */
export interface BuzzerRooms {
  /** Records a buzz; `rttMs` (>= 0, finite) is clamped to `maxRttMs`. */
  buzz(room: string, player: Player, rttMs?: number): RoomBuzzOutcome
  /**
   * A host's action: `open` a fresh round (until `close`), `close` it, or `reset` to idle. The
   * first player (by `hostKey`) to act hosts the room; until the host has been idle for
   * `hostIdleMs`, the actions of anyone else are refused with `not-host`.
   */
  host(room: string, action: HostAction, hostKey: string): HostOutcome
  snapshot(room: string): BuzzerSnapshot
  /** Listens for changes; returns a function that removes the listener. */
  onChange(listener: (room: string, snapshot: BuzzerSnapshot) => void): () => void
  /** Cancels the close timers and forgets the listeners; rooms stay usable without timers. */
  dispose(): void
}

interface Room {
  round: Round
  roundId: string
  players: Map<string, Player>
  hostActedAtMs: number | undefined
  /** Who hosts the room (a player key), while it is hosted. */
  hostKey: string | undefined
  timer: NodeJS.Timeout | undefined
}

const tenths = (ms: number): number => Math.round(ms * 10) / 10

export const createBuzzerRooms = (options: BuzzerRoomsOptions = {}): BuzzerRooms => {
  const o: Required<BuzzerRoomsOptions> = { ...buzzerRoomsDefaults, ...definedOnly(options) }
  const rooms = new Map<string, Room>()
  const listeners = new Set<(room: string, snapshot: BuzzerSnapshot) => void>()
  const bootId = randomUUID().slice(0, 8)
  let roundCount = 0
  let isDisposed = false
  const nextRoundId = (): string => `${bootId}-${(roundCount += 1)}`

  const snapshotOf = (room: Room, nowMs: number): BuzzerSnapshot => ({
    open: isOpenAt(room.round, nowMs),
    hosted: room.round.options.isHosted,
    roundId: room.roundId,
    results: standings(room.round).map((standing) => {
      const player = room.players.get(standing.player)
      const buzzed = room.round.buzzes[standing.place - 1]
      return {
        name: player?.name ?? '',
        client: player?.client ?? '',
        behindMs: tenths(standing.behindMs),
        compensationMs: tenths((buzzed?.rttMs ?? 0) / 2),
        place: standing.place,
      }
    }),
  })

  const changed = (name: string, room: Room): void => {
    const snapshot = snapshotOf(room, o.nowMs())
    for (const listener of listeners) listener(name, snapshot)
  }

  /** Closes an auto-closing round when its time is up; re-arms while the clock says otherwise. */
  const arm = (name: string, room: Room): void => {
    clearTimeout(room.timer)
    room.timer = undefined
    const { phase } = room.round
    if (isDisposed || phase.kind !== 'open' || phase.closesAtMs === Infinity) return
    room.timer = setTimeout(
      () => {
        const nowMs = o.nowMs()
        if (isOpenAt(room.round, nowMs)) {
          arm(name, room)
          return
        }
        room.timer = undefined
        room.round = closeRound(room.round, nowMs)
        changed(name, room)
      },
      Math.max(0, phase.closesAtMs - o.nowMs()),
    )
    room.timer.unref()
  }

  /** Whether a host runs `room` and has acted within `hostIdleMs`: such a room is never evicted. */
  const isLive = (room: Room, nowMs: number): boolean =>
    room.hostActedAtMs !== undefined && nowMs - room.hostActedAtMs < o.hostIdleMs

  /**
   * The room, most recently used last; its host lapses after `hostIdleMs`. A new room evicts the
   * least recently used room that is not live; undefined when every room is live.
   */
  const use = (name: string, nowMs: number): Room | undefined => {
    let room = rooms.get(name)
    if (room === undefined) {
      if (rooms.size >= o.maxRooms) {
        const idle = [...rooms].find(([, other]) => !isLive(other, nowMs))
        if (idle === undefined) return undefined
        clearTimeout(idle[1].timer)
        rooms.delete(idle[0])
      }
      room = {
        round: createRound({ isHosted: false, autoCloseMs: o.autoCloseMs }),
        roundId: nextRoundId(),
        players: new Map(),
        hostActedAtMs: undefined,
        hostKey: undefined,
        timer: undefined,
      }
    } else rooms.delete(name)
    rooms.set(name, room)
    if (room.hostActedAtMs !== undefined && nowMs - room.hostActedAtMs >= o.hostIdleMs) {
      room.hostActedAtMs = undefined
      room.hostKey = undefined
      const closed = closeRound(room.round, nowMs)
      room.round = { ...closed, options: { ...closed.options, isHosted: false } }
    }
    return room
  }

  const sourceOf = (player: Player): string => player.source ?? player.key
  const playersFrom = (room: Room, source: string): number => {
    let count = 0
    for (const other of room.players.values()) if (sourceOf(other) === source) count += 1
    return count
  }

  return {
    buzz(name, player, rttMs = 0) {
      const nowMs = o.nowMs()
      const room = use(name, nowMs)
      if (room === undefined) return { kind: 'quota' }
      const wasOpen = isOpenAt(room.round, nowMs)
      const isKnown = room.players.has(player.key)
      if (wasOpen && !isKnown && room.players.size >= o.maxPlayersPerRound) return { kind: 'full' }
      if (wasOpen && !isKnown && playersFrom(room, sourceOf(player)) >= o.maxPlayersPerSource)
        return { kind: 'source-full' }
      const credited = Math.min(rttMs, o.maxRttMs)
      const result = buzz(room.round, { player: player.key, arrivedAtMs: nowMs, rttMs: credited })
      room.round = result.round
      const { outcome } = result
      if (outcome.kind === 'closed') return outcome
      if (!wasOpen) {
        // The buzz opened a new round.
        room.roundId = nextRoundId()
        room.players.clear()
        arm(name, room)
      }
      if (outcome.kind === 'repeat') {
        const earlier = room.round.buzzes.find((other) => other.player === player.key)
        return { ...outcome, compensationMs: tenths((earlier?.rttMs ?? 0) / 2) }
      }
      room.players.set(player.key, player)
      changed(name, room)
      return { ...outcome, compensationMs: tenths(credited / 2) }
    },
    host(name, action, hostKey) {
      const nowMs = o.nowMs()
      const room = use(name, nowMs)
      if (room === undefined) return { kind: 'quota' }
      if (room.hostKey !== undefined && room.hostKey !== hostKey) return { kind: 'not-host' }
      room.hostKey = hostKey
      room.hostActedAtMs = nowMs
      const hosted = { ...room.round, options: { ...room.round.options, isHosted: true } }
      switch (action) {
        case 'open':
          room.round = openRound(hosted, nowMs)
          break
        case 'close':
          room.round = closeRound(hosted, nowMs)
          break
        case 'reset':
          room.round = resetRound(hosted)
          break
      }
      if (action !== 'close') {
        room.roundId = nextRoundId()
        room.players.clear()
      }
      arm(name, room)
      changed(name, room)
      return { kind: 'done', snapshot: snapshotOf(room, nowMs) }
    },
    snapshot(name) {
      const nowMs = o.nowMs()
      const room = rooms.get(name)
      if (room === undefined)
        return { open: false, hosted: false, roundId: `${bootId}-0`, results: [] }
      return snapshotOf(use(name, nowMs) ?? room, nowMs)
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    dispose() {
      isDisposed = true
      listeners.clear()
      for (const room of rooms.values()) {
        clearTimeout(room.timer)
        room.timer = undefined
      }
    },
  }
}

const definedOnly = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>
