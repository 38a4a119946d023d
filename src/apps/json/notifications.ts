import type { Pub } from '../../protocol/index.js'
import { randomUUID } from 'node:crypto'
import type { HubApi, TextEndpoint } from '../../server/index.js'
import type { Background } from '../shared/background.js'
import { createDemoSource } from '../notify/demo.js'
import type { SessionRegistry } from '../text/session-registry.js'
import { JsonInputError, openJsonPeer, type JsonPeer } from './json-peer.js'
import { openJsonSession } from './json-session.js'
import { createLastRender } from './last-render.js'

/** What `/notifications` sends. */
export interface NotificationMessage {
  type: 'notification'
  /** A UUID. */
  id: string
  message: string
  /** When it was sent, ISO 8601. */
  timestamp: string
}

/** A notification's one line of text: `title: body`, or the title alone when there is no body. */
export const notificationText = (title: string, body: string): string =>
  body === '' ? title : `${title}: ${body}`

/** An announcement of the notify app's everyone channel as a message; undefined for bad data. */
export const toNotificationMessage = (data: unknown): NotificationMessage | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const { id, title, body, time } = data as Record<string, unknown>
  if (typeof id !== 'string' || typeof title !== 'string' || typeof body !== 'string')
    return undefined
  if (typeof time !== 'number' || !Number.isFinite(time)) return undefined
  return {
    type: 'notification',
    id,
    message: notificationText(title, body),
    timestamp: new Date(time).toISOString(),
  }
}

/** The demo's one key: this node's `/notifications` clients share one stream. */
const DEMO_KEY = 'plain'

/**
 * `/notifications`: every notification to everyone (the notify app's everyone channel, e.g. its
 * rpc `notify.everyone` through the HTTP API, from any node), and, while this node has a
 * `/notifications` client, the notify app's demo notifications every `minDelayMs`..`maxDelayMs`
 * to this node's clients, each as `{"type":"notification","id","message","timestamp"}`. It
 * takes no messages (each gets an error). A client's demo notifications start once it follows
 * the everyone channel. `stop` ends the demo (at shutdown).
 */
export const createNotificationsEndpoint = (parts: {
  hub: HubApi
  sessions: SessionRegistry
  background: Background
  channel: string
  demo: { minDelayMs: number; maxDelayMs: number }
}): { endpoint: TextEndpoint; stop(): void } => {
  const { hub, sessions, channel } = parts
  const listeners = new Set<JsonPeer>()
  const demo = createDemoSource({
    timing: { ...parts.demo, maxLifetimeMs: Number.POSITIVE_INFINITY, maxDemos: 1 },
    log: hub.log,
    background: parts.background,
    isWatched: () => Promise.resolve(listeners.size > 0),
    send: (_key, { title, body }) => {
      const json = JSON.stringify({
        type: 'notification',
        id: randomUUID(),
        message: notificationText(title, body),
        timestamp: new Date().toISOString(),
      } satisfies NotificationMessage)
      for (const peer of listeners) peer.sendRaw(json)
      return Promise.resolve()
    },
  })
  const serialised = createLastRender((pub: Pub): string | undefined => {
    const message = toNotificationMessage(pub.data)
    return message === undefined ? undefined : JSON.stringify(message)
  })
  const endpoint: TextEndpoint = (connection) => {
    const peer = openJsonPeer(connection, hub.log, () => {
      throw new JsonInputError(
        '/notifications takes no messages: notifications come from the server',
      )
    })
    const seat = openJsonSession(
      { hub, sessions, connection, peer },
      { name: 'notifications client' },
    )
    if (seat === undefined) return
    connection.on('close', () => {
      listeners.delete(peer)
    })
    const isFollowing = seat.follow(channel, {
      onEvent(event) {
        if (event.type !== 'pub') return
        const json = serialised(event.pub)
        if (json !== undefined) peer.sendRaw(json)
      },
    })
    // Demo notifications start once the client follows the channel: a client that got one also
    // gets every notification to everyone sent after it.
    void isFollowing.then((isSubscribed) => {
      if (!isSubscribed || !seat.isOpen()) return
      listeners.add(peer)
      demo.set(DEMO_KEY, true)
    })
  }
  return {
    endpoint,
    stop() {
      demo.stopAll()
    },
  }
}
