import type { Client } from '../../src/client/index.ts'
import { AppHeader } from '../src/AppHeader.tsx'
import { Chart } from './Chart.tsx'
import { CHARTS, chartData, chartLines } from './charts.ts'
import { NodeStats } from './NodeStats.tsx'
import { nodeColor } from './node-colors.ts'
import { newestTime, WINDOW_MS } from './samples.ts'
import { useColorScheme } from './use-color-scheme.ts'
import { METRICS_CHANNEL, useMetrics } from './use-metrics.ts'

/** A node that has not published for this long is shown as silent (it samples every second). */
const STALE_MS = 5_000

/**
 * The dashboard: every node's newest numbers and charts of the last 5 minutes, from the
 * `sys:metrics` channel. Every viewer sees the same samples.
 */
export const DashboardApp = ({ client }: { client: Client }) => {
  const { samples, hasHistory } = useMetrics(client)
  const scheme = useColorScheme()
  const nodes = [...samples.keys()]
  const newest = newestTime(samples)
  const xRange: [number, number] =
    newest === undefined ? [0, 1] : [(newest - WINDOW_MS) / 1000, newest / 1000]
  const colorOf = (index: number): string => nodeColor(index, scheme)
  return (
    <>
      <AppHeader title="Dashboard" client={client} />
      <main class="dashboard" data-history={hasHistory ? 'loaded' : 'loading'}>
        <p class="dashboard__intro">
          Live from <code>{METRICS_CHANNEL}</code>: each node reports every second, and the charts
          show the last 5 minutes.
        </p>
        {newest === undefined ? (
          <p class="dashboard__empty card" role="status">
            Waiting for the first sample…
          </p>
        ) : (
          <>
            <div class="nodes">
              {nodes.map((node, index) => {
                const list = samples.get(node) ?? []
                const last = list[list.length - 1]
                return last === undefined ? null : (
                  <NodeStats
                    key={node}
                    sample={last}
                    color={colorOf(index)}
                    isStale={newest - last.time > STALE_MS}
                  />
                )
              })}
            </div>
            <div class="charts">
              {CHARTS.map((spec) => (
                <Chart
                  key={spec.id}
                  id={spec.id}
                  title={spec.title}
                  lines={chartLines(spec, nodes, colorOf)}
                  data={chartData(spec, nodes, samples)}
                  xRange={xRange}
                  format={spec.format}
                  minTop={spec.minTop}
                  scheme={scheme}
                />
              ))}
            </div>
          </>
        )}
      </main>
    </>
  )
}
