/**
 * The webhooks of a server: routes each hub event to the receivers that asked for it. An event
 * nobody wants costs one check per receiver; one that is wanted is serialized once, then queued
 * per receiver (webhook-target.ts). Nothing here ever waits on a receiver: the hub never blocks.
 */
import type { Logger } from 'pino'
import { randomId } from '../ids.js'
import type { HubEvent, HubObserver } from './events.js'
import type { WebhookDeliveryOptions, WebhookOptions } from './options.js'
import { WebhookTarget } from './webhook-target.js'

/** Delivery counts, summed over every receiver since the server started. */
export interface WebhookStats {
  /** Events waiting or being sent now. */
  queued: number
  /** Events a receiver accepted (2xx). */
  sent: number
  /** Events given up on: attempts ran out, or the receiver answered 4xx. */
  failed: number
  /** Events dropped from a full queue without being tried. */
  dropped: number
}

export interface Webhooks extends HubObserver {
  stats(): WebhookStats
  /** Waits up to `deadlineMs` for the queues to empty, then stops every receiver. */
  close(deadlineMs: number): Promise<void>
}

export const createWebhooks = (
  hooks: readonly WebhookOptions[],
  delivery: WebhookDeliveryOptions,
  context: { nodeId: string; logger: Logger },
): Webhooks => {
  const targets = hooks.map((hook) => new WebhookTarget(hook, delivery, context.logger))
  const publishTargets = targets.filter((target) => target.wantsPublish)
  return {
    notify(event: HubEvent): void {
      let body: string | undefined
      let id = ''
      for (const target of targets) {
        if (!target.accepts(event)) continue
        if (body === undefined) {
          id = randomId()
          body = JSON.stringify({ id, time: Date.now(), node: context.nodeId, ...event })
        }
        target.enqueue({ id, type: event.type, body })
      }
    },
    wantsPublish(channel: string): boolean {
      return publishTargets.some((target) => target.wantsChannel(channel))
    },
    stats(): WebhookStats {
      const stats: WebhookStats = { queued: 0, sent: 0, failed: 0, dropped: 0 }
      for (const target of targets) {
        stats.queued += target.queued
        stats.sent += target.sent
        stats.failed += target.failed
        stats.dropped += target.dropped
      }
      return stats
    },
    async close(deadlineMs: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all(targets.map((target) => target.idle())),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs)
        }),
      ])
      clearTimeout(timer)
      for (const target of targets) target.close()
    },
  }
}
