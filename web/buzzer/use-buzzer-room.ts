import { useReducer } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useChannel } from '../src/use-client.ts'
import { initialRoom, roomReducer, type RoomState } from './room-state.ts'

/**
 * The buzzer room `room` (channel `buzzer:<room>`, with presence): its snapshot, from the
 * subscribe state and every publication, and who is in it. Mount it once per room (a `key`).
 */
export const useBuzzerRoom = (client: Client, room: string): RoomState => {
  const [state, dispatch] = useReducer(roomReducer, initialRoom)
  useChannel(client, `buzzer:${room}`, { presence: true }, (sub) => {
    const offs = [
      sub.on('state', (data) => {
        dispatch({ type: 'snapshot', data })
      }),
      sub.on('message', (pub) => {
        dispatch({ type: 'snapshot', data: pub.data })
      }),
      sub.on('subscribed', ({ members }) => {
        dispatch({ type: 'subscribed', members: members ?? [] })
      }),
      sub.on('join', (member) => {
        dispatch({ type: 'join', member })
      }),
      sub.on('leave', (member) => {
        dispatch({ type: 'leave', member })
      }),
    ]
    return () => {
      for (const off of offs) off()
    }
  })
  return state
}
