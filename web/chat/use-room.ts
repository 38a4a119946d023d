import { useCallback, useReducer, useRef } from 'preact/hooks'
import type { Client, Subscription } from '../../src/client/index.ts'
import { randomHex } from '../src/random.ts'
import { useChannel } from '../src/use-client.ts'
import { followRoom } from './follow-room.ts'
import { initialRoom, roomReducer, type RoomState } from './room-state.ts'

export interface Room {
  /** The room's channel, once subscribed. */
  sub: Subscription | undefined
  state: RoomState
  /** Sends a message; offline, it waits and goes out once after reconnecting. */
  send: (text: string) => void
  /** Sends a message of ours that failed again, under its key, so it still arrives once. */
  retry: (key: string) => void
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : 'failed')

/**
 * The chat room `room` (channel `chat:<room>`, with presence) as this person sees it: messages
 * and people kept up to date by {@link followRoom}, and sending as `name`. Mount it once per room
 * (a `key`): its state belongs to one room.
 */
export const useRoom = (client: Client, room: string, name: string): Room => {
  const [state, dispatch] = useReducer(roomReducer, initialRoom)
  const sub = useChannel(client, `chat:${room}`, { presence: true }, (opened) =>
    followRoom(client, opened, dispatch),
  )
  /** The text of our messages by key, for retries. */
  const outgoing = useRef(new Map<string, string>())

  const publish = useCallback(
    (key: string, text: string) => {
      if (sub === undefined) return
      sub.publish({ text }, { key }).then(
        ({ seq }) => {
          outgoing.current.delete(key)
          dispatch({ type: 'sent', key, seq })
        },
        (error: unknown) => {
          dispatch({ type: 'failed', key, error: errorText(error) })
        },
      )
    },
    [sub],
  )

  const send = useCallback(
    (text: string) => {
      const key = randomHex(12)
      outgoing.current.set(key, text)
      dispatch({ type: 'sending', key, text, name, time: Date.now() })
      publish(key, text)
    },
    [name, publish],
  )

  const retry = useCallback(
    (key: string) => {
      const text = outgoing.current.get(key)
      if (text === undefined) return
      dispatch({ type: 'retrying', key })
      publish(key, text)
    },
    [publish],
  )

  return { sub, state, send, retry }
}
