import type { Pub } from '../../protocol/index.js'
import type { HubApi, TextEndpoint } from '../../server/index.js'
import type { MetricsSample } from '../metrics/index.js'
import type { SessionRegistry } from '../text/session-registry.js'
import { JsonInputError, openJsonPeer } from './json-peer.js'
import { openJsonSession } from './json-session.js'
import { createLastRender } from './last-render.js'

/** What `/dashboard` sends every second. */
export interface MetricsMessage {
  type: 'metrics'
  /** The machine's CPU use, % of all cores (psutil's `cpu_percent()`). */
  cpu: number
  /** The machine's memory in use, % (psutil's `virtual_memory().percent`). */
  memory: number
  /** This node's open WebSocket connections. */
  connections: number
  /** When the sample was taken, ISO 8601. */
  timestamp: string
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

/** A `sys:metrics` sample of node `node` as a metrics message; undefined for other nodes' or bad data. */
export const toMetricsMessage = (data: unknown, node: string): MetricsMessage | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const sample = data as Partial<Record<keyof MetricsSample, unknown>>
  const { systemCpuPercent, systemMemoryPercent, connections, time } = sample
  if (sample.node !== node) return undefined
  if (!isNumber(systemCpuPercent) || !isNumber(systemMemoryPercent)) return undefined
  if (!isNumber(connections) || !isNumber(time)) return undefined
  return {
    type: 'metrics',
    cpu: systemCpuPercent,
    memory: systemMemoryPercent,
    connections,
    timestamp: new Date(time).toISOString(),
  }
}

/**
 * `/dashboard`: every sample this node publishes to the metrics app's channel (every second)
 * as `{"type":"metrics","cpu","memory","connections","timestamp"}`: the figures the web
 * dashboard charts for this node. It takes no messages (each gets an error).
 */
export const createDashboardEndpoint = (parts: {
  hub: HubApi
  sessions: SessionRegistry
  channel: string
}): TextEndpoint => {
  const { hub, sessions, channel } = parts
  const serialised = createLastRender((pub: Pub): string | undefined => {
    const message = toMetricsMessage(pub.data, hub.node)
    return message === undefined ? undefined : JSON.stringify(message)
  })
  return (connection) => {
    const peer = openJsonPeer(connection, hub.log, () => {
      throw new JsonInputError('/dashboard takes no messages: it sends metrics every second')
    })
    const seat = openJsonSession({ hub, sessions, connection, peer }, { name: 'dashboard client' })
    void seat?.follow(channel, {
      onEvent(event) {
        if (event.type !== 'pub') return
        const json = serialised(event.pub)
        if (json !== undefined) peer.sendRaw(json)
      },
    })
  }
}
