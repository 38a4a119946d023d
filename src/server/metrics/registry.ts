import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { NodeCounters } from './node-counters.js'

/** What `/metrics` reads at scrape time. */
export interface MetricsSource {
  counters: NodeCounters
  /** Open WebSocket connections now: `hubbub.v1` ones and plain text ones. */
  connections: () => { protocol: number; plain: number }
  /** Subscriptions held on this node now (connections and server-side sessions). */
  subscriptions: () => number
  /** The webhooks' queue and outcomes since start (all zero without webhooks). */
  webhooks: () => { queued: number; sent: number; failed: number; dropped: number }
}

/** Buckets of `hubbub_publish_to_deliver_seconds`: 1 ms to 2.5 s. */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/**
 * A registry of its own per server (several servers in one process never collide), with Node's
 * default process metrics and hubbub's. Every hubbub metric is computed in a `collect` callback
 * from {@link NodeCounters}: the hot paths add to plain numbers, and prom-client runs only when
 * Prometheus scrapes.
 */
export const createMetricsRegistry = (source: MetricsSource): Registry => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const { counters } = source

  const total = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset()
        this.inc(read())
      },
    })
  }
  const labelled = <K extends string | number>(
    name: string,
    help: string,
    labelNames: string[],
    counts: Map<K, number>,
    labels: (key: K) => Record<string, string>,
  ): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset()
        for (const [key, count] of counts) this.inc(labels(key), count)
      },
    })
  }

  new Gauge({
    name: 'hubbub_connections',
    help: 'Open WebSocket connections, by protocol (hubbub.v1 or plain text).',
    labelNames: ['protocol'],
    registers,
    collect() {
      const { protocol, plain } = source.connections()
      this.set({ protocol: 'hubbub.v1' }, protocol)
      this.set({ protocol: 'plain' }, plain)
    },
  })
  new Gauge({
    name: 'hubbub_subscriptions',
    help: 'Channel subscriptions held on this node.',
    registers,
    collect() {
      this.set(source.subscriptions())
    },
  })
  const totals: [name: string, help: string, read: () => number][] = [
    [
      'hubbub_publications_total',
      'Publications made through this node.',
      () => counters.publications,
    ],
    [
      'hubbub_deliveries_total',
      'Publications sent to local subscribers (one per subscriber).',
      () => counters.deliveries,
    ],
    [
      'hubbub_bytes_sent_total',
      'Bytes written to WebSocket connections, framing included.',
      () => counters.bytesOut,
    ],
    [
      'hubbub_bytes_received_total',
      'Payload bytes of the WebSocket messages received.',
      () => counters.bytesIn,
    ],
    ['hubbub_messages_received_total', 'WebSocket messages received.', () => counters.messagesIn],
    [
      'hubbub_messages_sent_total',
      'WebSocket messages sent (publications, replies, events, pings).',
      () => counters.messagesOut,
    ],
    [
      'hubbub_engine_errors_total',
      'Engine calls that failed (storage or Redis unavailable).',
      () => counters.engineErrors,
    ],
  ]
  for (const [name, help, read] of totals) total(name, help, read)
  labelled(
    'hubbub_api_requests_total',
    'HTTP API requests, by status.',
    ['status'],
    counters.apiRequests,
    (status) => ({ status: String(status) }),
  )
  labelled(
    'hubbub_backpressure_total',
    'What backpressure did to a full socket, by policy and outcome.',
    ['policy', 'outcome'],
    counters.backpressure,
    (key) => {
      const [policy = '', outcome = ''] = key.split(' ')
      return { policy, outcome }
    },
  )
  labelled(
    'hubbub_disconnects_total',
    'Protocol connections closed, by close code.',
    ['code'],
    counters.disconnects,
    (code) => ({ code: String(code) }),
  )
  labelled(
    'hubbub_replies_total',
    'Error replies sent, by error code.',
    ['code'],
    counters.replies,
    (code) => ({ code }),
  )
  new Gauge({
    name: 'hubbub_webhook_queued',
    help: 'Webhook events waiting or being sent.',
    registers,
    collect() {
      this.set(source.webhooks().queued)
    },
  })
  new Counter({
    name: 'hubbub_webhook_events_total',
    help: 'Webhook events by outcome: sent (2xx), failed (attempts ran out, or 4xx), dropped (queue full).',
    labelNames: ['outcome'],
    registers,
    collect() {
      const stats = source.webhooks()
      this.reset()
      for (const outcome of ['sent', 'failed', 'dropped'] as const)
        this.inc({ outcome }, stats[outcome])
    },
  })
  new Histogram({
    name: 'hubbub_publish_to_deliver_seconds',
    help: 'Seconds from a publish to its fan-out on this node, for one publication in 8.',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
    collect() {
      for (const seconds of counters.latencySamples.splice(0)) this.observe(seconds)
    },
  })
  return registry
}
