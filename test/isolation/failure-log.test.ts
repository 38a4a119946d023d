/**
 * The failure log budget on a logger the embedder passes in: children share it, a level change
 * still takes effect, and lines that report no failure are never held back.
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { limitFailureLogs } from '../../src/server/failure-log.js'

const capture = () => {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  return { lines, logger: pino({ level: 'info' }, stream) }
}

describe('limitFailureLogs', () => {
  it('budgets failures per kind across children, passes other lines, and sums up at flush', () => {
    const { lines, logger } = capture()
    const limited = limitFailureLogs(logger, { maxFailureLogLines: 2, failureLogWindowMs: 60_000 })
    const child = limited.logger.child({ part: 'api' })
    for (let i = 0; i < 5; i += 1) {
      limited.logger.error({ err: new Error('disk full') }, 'engine call failed')
      child.error({ err: new Error('disk full') }, 'engine call failed')
      limited.logger.error({ err: new Error('other') }, 'request failed')
      limited.logger.info({ i }, 'not a failure')
    }
    limited.flush()
    const count = (msg: string) => lines.filter((line) => line.msg === msg).length
    expect(count('engine call failed')).toBe(2)
    expect(count('request failed')).toBe(2)
    expect(count('not a failure')).toBe(5)
    const summaries = lines.filter((line) => typeof line.suppressed === 'number')
    expect(summaries.map((line) => line.suppressed).sort()).toEqual([3, 8])
  })

  it('follows level changes made through the wrapper', () => {
    const { lines, logger } = capture()
    const limited = limitFailureLogs(logger, { maxFailureLogLines: 5, failureLogWindowMs: 60_000 })
    limited.logger.debug({ err: new Error('x') }, 'hidden')
    limited.logger.level = 'debug'
    limited.logger.debug({ err: new Error('x') }, 'shown')
    expect(lines.map((line) => line.msg)).toEqual(['shown'])
  })
})
