import type { HubApi, TextEndpoint } from '../../server/index.js'
import type { CounterApp } from '../counter/index.js'
import type { SessionRegistry } from '../text/session-registry.js'
import { openJsonPeer, unknownType, type JsonMessage } from './json-peer.js'
import { openJsonSession } from './json-session.js'
import { plainCaller } from './plain-caller.js'

/** What a `/counter` client may send. */
export type CounterMessage = { type: 'increment' } | { type: 'decrement' }

const TYPES = ['increment', 'decrement'] as const

export const decodeCounterMessage = (message: JsonMessage): CounterMessage => {
  switch (message.type) {
    case 'increment':
    case 'decrement':
      return { type: message.type }
    default:
      throw unknownType(message.type, TYPES)
  }
}

/** A counter publication's or subscribe state's `value`, or undefined for anything else. */
const valueOf = (data: unknown): number | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const { value } = data as Record<string, unknown>
  return typeof value === 'number' ? value : undefined
}

/**
 * `/counter`: the counter app's counter `name` (channel `counter:<name>`) for JSON plain clients.
 * On connect `{"type":"counter","value":N}`; `{"type":"increment"}` / `{"type":"decrement"}`
 * change it by one through the counter app (atomically in State, with its rate limit), and every
 * change reaches every client of the counter, the sender, web and SDK clients and other nodes
 * included, as `{"type":"counter","value":N}` (coalesced under load: the last one is the value).
 */
export const createCounterEndpoint =
  (parts: {
    hub: HubApi
    sessions: SessionRegistry
    counter: CounterApp
    name: string
  }): TextEndpoint =>
  (connection) => {
    const { hub, sessions, counter, name } = parts
    const peer = openJsonPeer(connection, hub.log, async (raw) => {
      const message = decodeCounterMessage(raw)
      // Messages arrive only after this function returned, so `seat` is set.
      if (seat === undefined) return
      const delta = message.type === 'increment' ? 1 : -1
      await counter.add(name, delta, plainCaller(seat.member, connection.remoteAddress))
    })
    const seat = openJsonSession({ hub, sessions, connection, peer }, { name: 'counter client' })
    if (seat === undefined) return
    const show = (data: unknown): void => {
      const value = valueOf(data)
      if (value !== undefined) peer.send({ type: 'counter', value })
    }
    void seat.follow(`counter:${name}`, {
      onSubscribed(result) {
        show(result.state)
      },
      onEvent(event) {
        if (event.type === 'pub') show(event.pub.data)
      },
    })
  }
