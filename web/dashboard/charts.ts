import uPlot from 'uplot'
import { formatBytes, formatCount, formatPercent, formatRate } from '../src/format.ts'
import type { MetricsSample, Samples } from './samples.ts'

/** One line per node in a chart, e.g. messages in; several lines of a node differ by dash. */
interface LineSpec {
  label: string
  pick: (sample: MetricsSample) => number
  dash?: number[]
}

/** One chart of the dashboard. */
export interface ChartSpec {
  id: string
  title: string
  lines: readonly LineSpec[]
  /** Axis ticks and legend values. */
  format: (value: number) => string
  /** The y axis reaches at least this high, so idle noise does not fill the chart. */
  minTop: number
}

const DASHED = [5, 4]

export const CHARTS: readonly ChartSpec[] = [
  {
    id: 'cpu',
    title: 'Process CPU',
    lines: [{ label: 'CPU', pick: (sample) => sample.cpuPercent }],
    format: formatPercent,
    minTop: 5,
  },
  {
    id: 'memory',
    title: 'Process memory',
    lines: [
      { label: 'RSS', pick: (sample) => sample.rssBytes },
      { label: 'heap', pick: (sample) => sample.heapUsedBytes, dash: DASHED },
    ],
    format: formatBytes,
    minTop: 50_000_000,
  },
  {
    id: 'connections',
    title: 'Open connections',
    lines: [{ label: 'connections', pick: (sample) => sample.connections }],
    format: formatCount,
    minTop: 4,
  },
  {
    id: 'messages',
    title: 'Messages per second',
    lines: [
      { label: 'in', pick: (sample) => sample.messagesInPerSec },
      { label: 'out', pick: (sample) => sample.messagesOutPerSec, dash: DASHED },
    ],
    format: formatRate,
    minTop: 5,
  },
]

/** A line as the chart draws it. */
export interface ChartLine {
  label: string
  color: string
  dash?: number[]
}

/** The chart's lines: each spec line for each node, named by node when there are several. */
export const chartLines = (
  spec: ChartSpec,
  nodes: readonly string[],
  colorOf: (nodeIndex: number) => string,
): ChartLine[] =>
  nodes.flatMap((node, index) =>
    spec.lines.map((line) => ({
      label: nodes.length === 1 ? line.label : `${node} ${line.label}`,
      color: colorOf(index),
      ...(line.dash === undefined ? {} : { dash: line.dash }),
    })),
  )

/**
 * The chart's data as uPlot wants it: x in seconds, then one column per line of
 * {@link chartLines}. Nodes sample at their own times; a node's line skips the others' times.
 */
export const chartData = (
  spec: ChartSpec,
  nodes: readonly string[],
  samples: Samples,
): uPlot.AlignedData => {
  const tables: uPlot.AlignedData[] = nodes.map((node) => {
    const list = samples.get(node) ?? []
    return [
      list.map((sample) => sample.time / 1000),
      ...spec.lines.map((line) => list.map(line.pick)),
    ]
  })
  const [only] = tables
  if (tables.length === 1 && only !== undefined) return only
  if (tables.length === 0) return [[], ...spec.lines.map(() => [])]
  return uPlot.join(tables)
}
