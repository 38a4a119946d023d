import { formatBytes, formatClock, formatCount, formatPercent, formatRate } from '../src/format.ts'
import type { MetricsSample } from './samples.ts'

interface Props {
  sample: MetricsSample
  color: string
  /** No sample from this node for a while (it may have stopped). */
  isStale: boolean
}

/** A machine figure, or a dash for a node whose samples do not carry it. */
const formatOptionalPercent = (value: number | undefined): string =>
  value === undefined ? '–' : formatPercent(value)

/**
 * One node's newest numbers, with its colour in the charts: the machine's CPU and memory (the
 * figures `/dashboard` plain clients get), then this node's process.
 */
export const NodeStats = ({ sample, color, isStale }: Props) => {
  const headingId = `node-${sample.node}`
  return (
    <section
      class={`node card${isStale ? ' node--stale' : ''}`}
      aria-labelledby={headingId}
      data-node={sample.node}
    >
      <h2 id={headingId} class="node__heading">
        <span class="node__swatch" style={{ background: color }} aria-hidden="true" />
        Node <code>{sample.node}</code>
        <span class="node__time">
          {isStale ? 'silent since ' : 'at '}
          <time dateTime={new Date(sample.time).toISOString()}>{formatClock(sample.time)}</time>
        </span>
      </h2>
      <dl class="stats">
        <div class="stat">
          <dt>Machine CPU</dt>
          <dd data-testid="system-cpu">{formatOptionalPercent(sample.systemCpuPercent)}</dd>
        </div>
        <div class="stat">
          <dt>Machine memory</dt>
          <dd data-testid="system-memory">{formatOptionalPercent(sample.systemMemoryPercent)}</dd>
        </div>
        <div class="stat">
          <dt>Process CPU</dt>
          <dd data-testid="cpu">{formatPercent(sample.cpuPercent)}</dd>
        </div>
        <div class="stat stat--wide">
          <dt>Process memory</dt>
          <dd data-testid="memory">{formatBytes(sample.rssBytes)}</dd>
          <dd class="stat__note">heap {formatBytes(sample.heapUsedBytes)}</dd>
        </div>
        <div class="stat">
          <dt>Connections</dt>
          <dd data-testid="connections">{formatCount(sample.connections)}</dd>
        </div>
        <div class="stat">
          <dt>Messages in</dt>
          <dd data-testid="messages-in">
            {formatRate(sample.messagesInPerSec)}
            <span class="stat__unit">/s</span>
          </dd>
        </div>
        <div class="stat">
          <dt>Messages out</dt>
          <dd data-testid="messages-out">
            {formatRate(sample.messagesOutPerSec)}
            <span class="stat__unit">/s</span>
          </dd>
        </div>
      </dl>
    </section>
  )
}
