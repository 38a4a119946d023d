import type { Member } from '../../src/client/index.ts'
import { decodeSnapshot, type BuzzerResult, type BuzzerSnapshot } from './snapshot.ts'

/** A buzzer room as the page knows it. */
export interface RoomState {
  /** The latest snapshot; undefined until the first arrives. */
  snapshot: BuzzerSnapshot | undefined
  /** Snapshots received so far, to tell whether a buzz reply is older than the latest one. */
  version: number
  /** Who subscribes to the room (pages, not plain clients), by client id. */
  members: ReadonlyMap<string, Member>
}

export type RoomAction =
  | { type: 'snapshot'; data: unknown }
  | { type: 'subscribed'; members: readonly Member[] }
  | { type: 'join'; member: Member }
  | { type: 'leave'; member: Member }

export const initialRoom: RoomState = { snapshot: undefined, version: 0, members: new Map() }

export const roomReducer = (state: RoomState, action: RoomAction): RoomState => {
  switch (action.type) {
    case 'snapshot': {
      const snapshot = decodeSnapshot(action.data)
      if (snapshot === undefined) {
        console.warn('ignored a buzzer snapshot of an unknown shape', action.data)
        return state
      }
      return { ...state, snapshot, version: state.version + 1 }
    }
    case 'subscribed':
      return { ...state, members: new Map(action.members.map((m) => [m.client, m])) }
    case 'join':
      return { ...state, members: new Map(state.members).set(action.member.client, action.member) }
    case 'leave': {
      if (!state.members.has(action.member.client)) return state
      const members = new Map(state.members)
      members.delete(action.member.client)
      return { ...state, members }
    }
  }
}

/** One person in the room: the users behind the subscribed connections, each once. */
export interface Player {
  user: string
  name: string
  /** Whether one of their connections is in the current round's results. */
  hasBuzzed: boolean
}

/** The people in the room but `self` (the host), by name, and whether each has buzzed. */
export const playersOf = (state: RoomState, self: string | undefined): Player[] => {
  const buzzedUsers = new Set<string>()
  for (const result of state.snapshot?.results ?? []) {
    const user = state.members.get(result.client)?.user
    if (user !== undefined) buzzedUsers.add(user)
  }
  const players = new Map<string, Player>()
  for (const member of state.members.values()) {
    if (member.user === self) continue
    players.set(member.user, {
      user: member.user,
      name: member.name,
      hasBuzzed: buzzedUsers.has(member.user),
    })
  }
  return [...players.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * Whether a result is this person's: buzzed by one of `ownClients` (this page's connections,
 * past ones included) or by another connection of `self` (another tab of this browser).
 */
export const isOwnResult = (
  state: RoomState,
  result: BuzzerResult,
  self: string | undefined,
  ownClients: ReadonlySet<string>,
): boolean =>
  ownClients.has(result.client) ||
  (self !== undefined && state.members.get(result.client)?.user === self)
