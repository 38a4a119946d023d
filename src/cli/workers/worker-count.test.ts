import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../usage.js'
import { expandBareWorkersFlag, parseWorkerCount } from './worker-count.js'

describe('--workers', () => {
  it('reads a bare flag, at the end or before another option, as auto', () => {
    expect(expandBareWorkersFlag(['--redis', 'redis://r', '--workers'])).toEqual([
      '--redis',
      'redis://r',
      '--workers=auto',
    ])
    expect(expandBareWorkersFlag(['--workers', '--port', '0'])).toEqual([
      '--workers=auto',
      '--port',
      '0',
    ])
    expect(expandBareWorkersFlag(['--workers', '3'])).toEqual(['--workers', '3'])
  })

  it('counts the cores for auto and takes 1 and more', () => {
    expect(parseWorkerCount('auto', '--workers', 'serve')).toBe(availableParallelism())
    expect(parseWorkerCount('1', '--workers', 'serve')).toBe(1)
    expect(parseWorkerCount('16', 'HUBBUB_WORKERS', 'serve')).toBe(16)
  })

  it('refuses 0, signs, fractions and words, naming where the value came from', () => {
    for (const value of ['0', '-1', '1.5', 'two', '99999'])
      expect(() => parseWorkerCount(value, 'HUBBUB_WORKERS', 'serve')).toThrow(UsageError)
    expect(() => parseWorkerCount('0', 'HUBBUB_WORKERS', 'serve')).toThrow(
      'invalid HUBBUB_WORKERS "0": expected auto or a whole number from 1 to 1024',
    )
  })
})
