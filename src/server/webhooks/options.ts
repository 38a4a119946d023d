import { HUB_EVENT_TYPES, type HubEventType } from './events.js'

/** One receiver of webhooks. */
export interface WebhookOptions {
  /** Where events are POSTed: an http:// or https:// URL. */
  url: string
  /** Which events it gets (`publish` also needs `channels`). */
  events: HubEventType[]
  /**
   * Signs every request (see `X-Hubbub-Signature` in docs/operations.md); at least
   * {@link MIN_WEBHOOK_SECRET_LENGTH} characters. Never logged.
   */
  secret: string
  /**
   * Channel patterns (`*` matches any run of characters): channel events (subscribe, unsubscribe,
   * channel.occupied, channel.vacated, publish) are sent only for matching channels. Connection
   * events are not filtered. @default undefined (every channel; required with `publish`)
   */
  channels?: string[]
}

/** How webhook deliveries behave; shared by every webhook of a server. */
export interface WebhookDeliveryOptions {
  /** Events waiting per webhook; past it the oldest waiting one is dropped (and counted). */
  maxQueuedEvents: number
  /** Deadline of one POST, response headers included. */
  timeoutMs: number
  /** Tries per event (the first one included) before it counts as failed. */
  maxAttempts: number
  /** Retry delays grow from this, doubling per attempt, with full jitter. */
  retryMinMs: number
  /** The largest retry delay. */
  retryMaxMs: number
}

/** Shortest webhook secret accepted. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16

/** Why a webhook's options cannot be used; undefined when they can. `where` prefixes the message. */
export const webhookProblem = (hook: WebhookOptions, where: string): string | undefined => {
  let url: URL
  try {
    url = new URL(hook.url)
  } catch {
    return `${where}.url: expected an http:// or https:// URL`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `${where}.url: expected an http:// or https:// URL`
  if (hook.events.length === 0) return `${where}.events: expected at least one event`
  for (const event of hook.events)
    if (!HUB_EVENT_TYPES.includes(event))
      return `${where}.events: expected some of ${HUB_EVENT_TYPES.join(', ')}`
  if (hook.secret.length < MIN_WEBHOOK_SECRET_LENGTH)
    return `${where}.secret: expected at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`
  if (hook.events.includes('publish') && hook.channels === undefined)
    return `${where}.channels: publish needs channel patterns (every publication of every channel would be a POST)`
  return undefined
}

/** A URL fit for logs: no user, password, query or fragment (any of which may hold a token). */
export const loggableUrl = (url: string): string => {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}
