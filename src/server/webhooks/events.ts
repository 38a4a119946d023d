/**
 * What the hub reports as it happens, for webhooks: connections, subscriptions, channels this node
 * starts or stops carrying, and (only where asked for) publications.
 */
import type { Member, Pub } from '../../protocol/index.js'

/** One thing that happened, as the hub reports it. */
export type HubEvent =
  | { readonly type: 'connect'; readonly member: Member }
  | { readonly type: 'disconnect'; readonly member: Member }
  | { readonly type: 'subscribe'; readonly channel: string; readonly member: Member }
  | { readonly type: 'unsubscribe'; readonly channel: string; readonly member: Member }
  /** The first subscriber of the channel on this node appeared. */
  | { readonly type: 'channel.occupied'; readonly channel: string }
  /** The last subscriber of the channel on this node left. */
  | { readonly type: 'channel.vacated'; readonly channel: string }
  | { readonly type: 'publish'; readonly channel: string; readonly pub: Pub }

/** The event names a webhook may ask for. */
export type HubEventType = HubEvent['type']

/** Every event name, in the order the docs list them. */
export const HUB_EVENT_TYPES: readonly HubEventType[] = [
  'connect',
  'disconnect',
  'subscribe',
  'unsubscribe',
  'channel.occupied',
  'channel.vacated',
  'publish',
]

/**
 * Who listens to the hub. Both methods are called synchronously on the hub's paths: they must
 * return at once and never throw.
 */
export interface HubObserver {
  notify(event: HubEvent): void
  /** Whether a publication to `channel` should be reported; asked once per publication. */
  wantsPublish(channel: string): boolean
}

/** The channel an event is about; undefined for connection events. */
export const eventChannel = (event: HubEvent): string | undefined => {
  switch (event.type) {
    case 'connect':
    case 'disconnect':
      return undefined
    case 'subscribe':
    case 'unsubscribe':
    case 'channel.occupied':
    case 'channel.vacated':
    case 'publish':
      return event.channel
  }
}
