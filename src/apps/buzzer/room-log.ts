/**
 * A buzzer room as a fold over its log: the room's state is a pure function of the ordered list
 * of its events (buzzes and host actions), so every node that applies one room's log in seq order
 * computes the same state, the same ranking and the same outcome for every event. The times in
 * the events are the wall clocks (ms since the Unix epoch) of the nodes that received them; in log
 * order they are clamped to never go backwards, so that between two buzzes with the same credited
 * round trip the one earlier in the log ranks first, on every node.
 */
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

/** Who buzzes. `key` identifies the player across its buzzes: one buzz per key and round. */
export interface Player {
  readonly key: string
  readonly name: string
  readonly client: string
  /** Where the player comes from (e.g. `ip:<address>`), for `maxPlayersPerSource`. @default key */
  readonly source?: string
}

export type HostAction = 'open' | 'close' | 'reset'

/** One entry of a room's log, as its publications carry it. `id` is unique per event. */
export type RoomEvent =
  | { kind: 'buzz'; id: string; atMs: number; player: Player; rttMs: number }
  | { kind: 'host'; id: string; atMs: number; action: HostAction; hostKey: string }

/** What the fold needs of the room options; see `BuzzerRoomsOptions`. */
export interface RoomLimits {
  autoCloseMs: number
  hostIdleMs: number
  maxPlayersPerRound: number
  maxPlayersPerSource: number
}

export interface RoomState {
  readonly round: Round
  /** The log position (`<epoch>-<seq>`) of the event that cleared the buzzes last. */
  readonly roundId: string
  /** This round's players, in the order they joined it. */
  readonly players: readonly Player[]
  /** Who hosts the room (a player key), while it is hosted. */
  readonly hostKey: string | undefined
  readonly hostActedAtMs: number | undefined
  /** The latest event time applied; later events are clamped to it. */
  readonly clockMs: number
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

/** What became of a buzz, as the fold decides it. */
export type EventBuzzOutcome =
  | (Extract<BuzzOutcome, { kind: 'ranked' | 'repeat' }> & { compensationMs: number })
  | Extract<BuzzOutcome, { kind: 'closed' }>
  | { kind: 'full' }
  /** The round has `maxPlayersPerSource` players from this player's source already. */
  | { kind: 'source-full' }

/** What became of a host action: done, or refused because another player hosts the room. */
export type EventHostOutcome = { kind: 'done' } | { kind: 'not-host' }

export type EventOutcome = EventBuzzOutcome | EventHostOutcome

const tenths = (ms: number): number => Math.round(ms * 10) / 10

export const initialRoom = (limits: RoomLimits, roundId: string): RoomState => ({
  round: createRound({ isHosted: false, autoCloseMs: limits.autoCloseMs }),
  roundId,
  players: [],
  hostKey: undefined,
  hostActedAtMs: undefined,
  clockMs: -Infinity,
})

/** `state` at `nowMs` with its host lapsed if the host has been idle for `hostIdleMs`. */
export const lapsedAt = (state: RoomState, nowMs: number, limits: RoomLimits): RoomState => {
  if (state.hostActedAtMs === undefined || nowMs - state.hostActedAtMs < limits.hostIdleMs)
    return state
  const closed = closeRound(state.round, nowMs)
  return {
    ...state,
    round: { ...closed, options: { ...closed.options, isHosted: false } },
    hostKey: undefined,
    hostActedAtMs: undefined,
  }
}

/** Whether a host runs the room and has acted within `hostIdleMs` (such a room stays cached). */
export const isLiveAt = (state: RoomState, nowMs: number, limits: RoomLimits): boolean =>
  state.hostActedAtMs !== undefined && nowMs - state.hostActedAtMs < limits.hostIdleMs

const sourceOf = (player: Player): string => player.source ?? player.key

const applyBuzz = (
  state: RoomState,
  event: Extract<RoomEvent, { kind: 'buzz' }>,
  nowMs: number,
  roundId: string,
  limits: RoomLimits,
): { state: RoomState; outcome: EventBuzzOutcome } => {
  const wasOpen = isOpenAt(state.round, nowMs)
  const isKnown = state.players.some((other) => other.key === event.player.key)
  if (wasOpen && !isKnown) {
    if (state.players.length >= limits.maxPlayersPerRound)
      return { state, outcome: { kind: 'full' } }
    const source = sourceOf(event.player)
    const fromSource = state.players.filter((other) => sourceOf(other) === source).length
    if (fromSource >= limits.maxPlayersPerSource) return { state, outcome: { kind: 'source-full' } }
  }
  const result = buzz(state.round, {
    player: event.player.key,
    arrivedAtMs: nowMs,
    rttMs: event.rttMs,
  })
  const { outcome } = result
  if (outcome.kind === 'closed') return { state, outcome }
  // A buzz that opened a new round starts it with no players.
  const fresh = wasOpen ? state : { ...state, roundId, players: [] }
  const next = { ...fresh, round: result.round }
  if (outcome.kind === 'repeat') {
    const earlier = next.round.buzzes.find((other) => other.player === event.player.key)
    return {
      state: next,
      outcome: { ...outcome, compensationMs: tenths((earlier?.rttMs ?? 0) / 2) },
    }
  }
  return {
    state: { ...next, players: [...next.players, event.player] },
    outcome: { ...outcome, compensationMs: tenths(event.rttMs / 2) },
  }
}

const applyHost = (
  state: RoomState,
  event: Extract<RoomEvent, { kind: 'host' }>,
  nowMs: number,
  roundId: string,
): { state: RoomState; outcome: EventHostOutcome } => {
  if (state.hostKey !== undefined && state.hostKey !== event.hostKey)
    return { state, outcome: { kind: 'not-host' } }
  const hosted = { ...state.round, options: { ...state.round.options, isHosted: true } }
  const round = ((): Round => {
    switch (event.action) {
      case 'open':
        return openRound(hosted, nowMs)
      case 'close':
        return closeRound(hosted, nowMs)
      case 'reset':
        return resetRound(hosted)
    }
  })()
  const next = { ...state, round, hostKey: event.hostKey, hostActedAtMs: nowMs }
  // Opening and resetting clear the buzzes; closing keeps the ranking.
  const cleared = event.action === 'close' ? next : { ...next, roundId, players: [] }
  return { state: cleared, outcome: { kind: 'done' } }
}

/**
 * Applies one event of the log. `roundId` names the round this event starts if it starts one
 * (its log position). Pure: the same state and event give the same result on every node.
 */
export const applyEvent = (
  state: RoomState,
  event: RoomEvent,
  roundId: string,
  limits: RoomLimits,
): { state: RoomState; outcome: EventOutcome } => {
  const nowMs = Math.max(event.atMs, state.clockMs)
  const current = { ...lapsedAt(state, nowMs, limits), clockMs: nowMs }
  switch (event.kind) {
    case 'buzz':
      return applyBuzz(current, event, nowMs, roundId, limits)
    case 'host':
      return applyHost(current, event, nowMs, roundId)
  }
}

/** The snapshot of `state` as of `nowMs` (its host lapsed, an auto-closed round closed). */
export const snapshotAt = (state: RoomState, nowMs: number, limits: RoomLimits): BuzzerSnapshot => {
  const current = lapsedAt(state, Math.max(nowMs, state.clockMs), limits)
  const { round } = current
  return {
    open: isOpenAt(round, nowMs),
    hosted: round.options.isHosted,
    roundId: current.roundId,
    results: standings(round).map((standing) => {
      const player = current.players.find((other) => other.key === standing.player)
      const buzzed = round.buzzes[standing.place - 1]
      return {
        name: player?.name ?? '',
        client: player?.client ?? '',
        behindMs: tenths(standing.behindMs),
        compensationMs: tenths((buzzed?.rttMs ?? 0) / 2),
        place: standing.place,
      }
    }),
  }
}

/** When an auto-closing round of `state` closes by itself, if one is open. */
export const closesAtMs = (state: RoomState): number | undefined => {
  const { phase } = state.round
  return phase.kind === 'open' && phase.closesAtMs !== Infinity ? phase.closesAtMs : undefined
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

const decodePlayer = (value: unknown): Player | undefined => {
  if (!isRecord(value)) return undefined
  const { key, name, client, source } = value
  if (typeof key !== 'string' || typeof name !== 'string' || typeof client !== 'string')
    return undefined
  if (source !== undefined && typeof source !== 'string') return undefined
  return source === undefined ? { key, name, client } : { key, name, client, source }
}

const HOST_ACTIONS: readonly string[] = ['open', 'close', 'reset'] satisfies HostAction[]

/** A log publication's data as an event; undefined for anything else. */
export const decodeRoomEvent = (data: unknown): RoomEvent | undefined => {
  if (!isRecord(data)) return undefined
  const { kind, id, atMs } = data
  if (typeof id !== 'string' || typeof atMs !== 'number' || !Number.isFinite(atMs)) return undefined
  if (kind === 'buzz') {
    const player = decodePlayer(data.player)
    const { rttMs } = data
    if (player === undefined || typeof rttMs !== 'number' || !(rttMs >= 0) || rttMs === Infinity)
      return undefined
    return { kind, id, atMs, player, rttMs }
  }
  if (kind === 'host') {
    const { action, hostKey } = data
    if (typeof action !== 'string' || !HOST_ACTIONS.includes(action)) return undefined
    if (typeof hostKey !== 'string') return undefined
    return { kind, id, atMs, action: action as HostAction, hostKey }
  }
  return undefined
}
