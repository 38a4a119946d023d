/**
 * Progress on stderr: on a terminal, one bar redrawn in place (runs done, the current target and
 * phase, elapsed time); otherwise one line per finished run, so that logs stay readable.
 */
import { performance } from 'node:perf_hooks'
import process from 'node:process'

const WIDTH = 24
const REDRAW_MS = 100

const clock = (ms) => {
  const seconds = Math.floor(ms / 1_000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/** A progress display for `total` runs, on `stream`. */
export const createProgress = (total, stream = process.stderr) => {
  const isTty = stream.isTTY === true
  const started = performance.now()
  let done = 0
  let current = ''
  let phase = ''
  let drawnAt = 0
  const draw = (isForced = false) => {
    const now = performance.now()
    if (!isTty || (!isForced && now - drawnAt < REDRAW_MS)) return
    drawnAt = now
    const text = `${done}/${total} ${clock(now - started)} ${current} ${phase}`
    const columns = stream.columns ?? 80
    // The bar takes what the text leaves of the line, if that is enough to mean anything.
    const width = Math.min(WIDTH, columns - text.length - 4)
    const filled = Math.round((done / total) * width)
    const bar = width < 8 ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `
    stream.write(`\r${`${bar}${text}`.slice(0, columns - 1)}\x1b[K`)
  }
  const timer = isTty ? setInterval(() => draw(true), 1_000) : undefined
  timer?.unref()
  const print = (line) => {
    if (isTty) stream.write('\r\x1b[K')
    stream.write(`${line}\n`)
    draw(true)
  }
  return {
    /** A run of `name` begins. */
    startRun(name) {
      current = name
      phase = ''
      draw(true)
    },
    /** The current run is in `name`, with `count` of `of` done when given. */
    phase(name, count, of) {
      phase = of === undefined ? name : `${name} ${count}/${of}`
      draw(count === undefined)
    },
    /** The current run ended; `summary` is its one line when stderr is not a terminal. */
    endRun(summary) {
      done += 1
      if (isTty) draw(true)
      else print(`bench: [${done}/${total}] ${clock(performance.now() - started)} ${summary}`)
    },
    /** A line that shows whatever stderr is (a skipped target, a failed run). */
    say: print,
    /** Clears the bar for the report. */
    finish() {
      clearInterval(timer)
      if (isTty) stream.write('\r\x1b[K')
    },
  }
}
