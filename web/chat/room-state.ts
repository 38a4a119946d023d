import type { Member, Pub } from '../../src/client/index.ts'
import { groupMembers, withJoin, withLeave, type People } from './members.ts'
import {
  append,
  fromPub,
  mergeHistory,
  updateMessage,
  type ChatMessage,
  type TimelineItem,
} from './timeline.ts'

/** Everything a chat room shows but the typing line. */
export interface RoomState {
  items: TimelineItem[]
  people: People
  /** This browser's user id, once connected. */
  self: string | undefined
  /** Counts notices, for their ids. */
  notices: number
}

export type RoomAction =
  /** (Re)subscribed: the member list as it is now. */
  | { type: 'subscribed'; self: string; members: Member[] }
  | { type: 'history'; pubs: Pub[] }
  | { type: 'message'; pub: Pub }
  | { type: 'join'; member: Member }
  | { type: 'leave'; member: Member }
  /** One of our messages, handed to the SDK under idempotency key `key`. */
  | { type: 'sending'; key: string; text: string; name: string; time: number }
  | { type: 'sent'; key: string; seq: number }
  | { type: 'failed'; key: string; error: string }
  | { type: 'retrying'; key: string }
  /** What was missed is gone: start again from history. */
  | { type: 'reset' }

export const initialRoom: RoomState = {
  items: [],
  people: new Map(),
  self: undefined,
  notices: 0,
}

const ownId = (key: string): string => `own:${key}`

const withNotice = (state: RoomState, text: string): RoomState => ({
  ...state,
  notices: state.notices + 1,
  items: append(state.items, {
    kind: 'notice',
    id: `notice:${state.notices}`,
    text,
    time: Date.now(),
  }),
})

export const roomReducer = (state: RoomState, action: RoomAction): RoomState => {
  switch (action.type) {
    case 'subscribed':
      return { ...state, self: action.self, people: groupMembers(action.members) }
    case 'history': {
      const earlier = action.pubs.map(fromPub).filter((m): m is ChatMessage => m !== undefined)
      return { ...state, items: mergeHistory(state.items, earlier) }
    }
    case 'message': {
      const message = fromPub(action.pub)
      // In seq order, before our own still on their way: every member sees the room's order.
      return message === undefined
        ? state
        : { ...state, items: mergeHistory(state.items, [message]) }
    }
    case 'join': {
      const { people, isNewPerson } = withJoin(state.people, action.member)
      const next = { ...state, people }
      return isNewPerson && action.member.user !== state.self
        ? withNotice(next, `${action.member.name} joined`)
        : next
    }
    case 'leave': {
      const { people, isGone } = withLeave(state.people, action.member)
      const next = { ...state, people }
      return isGone && action.member.user !== state.self
        ? withNotice(next, `${action.member.name} left`)
        : next
    }
    case 'sending': {
      const message: ChatMessage = {
        kind: 'message',
        id: ownId(action.key),
        key: action.key,
        text: action.text,
        name: action.name,
        time: action.time,
        status: 'sending',
      }
      if (state.self !== undefined) message.user = state.self
      return { ...state, items: append(state.items, message) }
    }
    case 'sent':
      return {
        ...state,
        items: updateMessage(state.items, ownId(action.key), (message) => ({
          ...message,
          seq: action.seq,
          status: 'sent',
        })),
      }
    case 'failed':
      return {
        ...state,
        items: updateMessage(state.items, ownId(action.key), (message) => ({
          ...message,
          status: 'failed',
          error: action.error,
        })),
      }
    case 'retrying':
      return {
        ...state,
        items: updateMessage(state.items, ownId(action.key), ({ error: _, ...message }) => ({
          ...message,
          status: 'sending',
        })),
      }
    case 'reset':
      // Only our unsent messages stay: they still go out. History brings back the rest.
      return {
        ...state,
        items: state.items.filter((item) => item.kind === 'message' && item.status !== 'sent'),
      }
  }
}
