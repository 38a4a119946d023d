import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import type { ChartLine } from './charts.ts'
import { formatClock, formatTick } from '../src/format.ts'
import type { ColorScheme } from './use-color-scheme.ts'

interface Props {
  id: string
  title: string
  lines: readonly ChartLine[]
  data: uPlot.AlignedData
  /** The x range shown, in seconds: the last 5 minutes up to the newest sample. */
  xRange: [number, number]
  format: (value: number) => string
  minTop: number
  scheme: ColorScheme
}

const HEIGHT_PX = 170

const cssVar = (name: string): string =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim()

/** An axis in the page's muted text colour on its border colour, in its font. */
const axis = (format: (value: number) => string, sizePx: number): uPlot.Axis => {
  const grid = cssVar('--border')
  return {
    stroke: cssVar('--muted'),
    font: `12px ${cssVar('--font')}`,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1, size: 4 },
    size: sizePx,
    values: (_chart, splits) => splits.map((value) => format(value)),
  }
}

/**
 * Writes each line's newest value into the legend, where uPlot would write dashes while the
 * pointer is not over the chart. Nodes sample at different times: each line has its own last
 * index.
 */
const showNewest = (plot: uPlot): void => {
  if (plot.cursor.idx !== null && plot.cursor.idx !== undefined) return
  const idxs = plot.data.map((column) => {
    for (let index = column.length - 1; index >= 0; index -= 1)
      if (column[index] !== null && column[index] !== undefined) return index
    return null
  })
  plot.setLegend({ idxs })
}

/**
 * A live time-series chart (uPlot) of the last 5 minutes. Built again when its lines or the
 * colour scheme change; otherwise new data only redraws it. The numbers are also written out
 * on the page: the chart itself is a picture for screen readers.
 */
export const Chart = ({ id, title, lines, data, xRange, format, minTop, scheme }: Props) => {
  const target = useRef<HTMLDivElement>(null)
  const chart = useRef<uPlot>(undefined)
  // uPlot calls the range functions on every redraw: they read the newest props from here.
  const latest = useRef({ data, xRange, minTop })
  latest.current = { data, xRange, minTop }
  const linesKey = JSON.stringify(lines)

  useEffect(() => {
    const element = target.current
    if (element === null) return undefined
    const options: uPlot.Options = {
      width: element.clientWidth,
      height: HEIGHT_PX,
      scales: {
        x: { time: true, range: () => latest.current.xRange },
        y: {
          range: (_chart, _min, max) => [
            0,
            Math.max(latest.current.minTop, Number.isFinite(max) ? max * 1.15 : 0),
          ],
        },
      },
      series: [
        // Gaps come as null, whatever the types say.
        {
          value: (_chart, value) => (Number.isFinite(value) ? formatClock(value * 1000) : '–'),
        },
        ...lines.map((line): uPlot.Series => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          ...(line.dash === undefined ? {} : { dash: line.dash }),
          points: { show: false },
          value: (_chart, value) => (Number.isFinite(value) ? format(value) : '–'),
        })),
      ],
      axes: [axis((seconds) => formatTick(seconds * 1000), 32), axis(format, 64)],
      legend: {
        show: true,
        live: true,
        // Legend markers as short lines, dashed like their line.
        markers: {
          width: 1.5,
          dash: (plot, index) => (plot.series[index]?.dash === undefined ? 'solid' : 'dashed'),
          fill: () => 'transparent',
        },
      },
      // Room on the right for the last time tick's label.
      padding: [12, 28, 0, 0],
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      hooks: { setCursor: [showNewest], setData: [showNewest] },
    }
    const plot = new uPlot(options, latest.current.data, element)
    chart.current = plot
    const observer = new ResizeObserver(() => {
      if (element.clientWidth !== plot.width)
        plot.setSize({ width: element.clientWidth, height: HEIGHT_PX })
    })
    observer.observe(element)
    return () => {
      observer.disconnect()
      plot.destroy()
      chart.current = undefined
    }
    // `lines` is in linesKey; `format` never changes for a chart.
  }, [linesKey, scheme])

  useEffect(() => {
    chart.current?.setData(data)
  }, [data])

  const xs = data[0]
  const first = xs[0]
  return (
    <figure
      class="chart card"
      aria-labelledby={`${id}-title`}
      data-testid={`chart-${id}`}
      data-points={xs.length}
      data-from={first === undefined ? undefined : Math.round(first * 1000)}
    >
      <figcaption id={`${id}-title`} class="chart__title">
        {title}
        <span class="chart__span">last 5 min</span>
      </figcaption>
      <div ref={target} class="chart__plot" />
    </figure>
  )
}
