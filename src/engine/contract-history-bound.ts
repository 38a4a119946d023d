/**
 * The engine contract, history bound part: an engine made with `maxHistoryBytes` evicts the
 * least recently used streams first past it, never the one published to. Called by
 * `runEngineContract` in `contract.ts`; registered only with `makeBoundedEngine`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { draft, keep } from './contract-harness.js'
import type { Engine } from './types.js'

/** An engine holding its history to `maxHistoryBytes`, and what it counts towards it now. */
export interface BoundedEngine {
  engine: Engine
  historyBytes: () => number
}

/** Makes a new, unstarted bounded engine reading the clock `now`. */
export type MakeBoundedEngine = (options: {
  maxHistoryBytes: number
  now: () => number
}) => BoundedEngine | Promise<BoundedEngine>

export const describeHistoryBoundContract = (makeBounded: MakeBoundedEngine): void => {
  describe('maxHistoryBytes', () => {
    const engines: Engine[] = []
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((engine) => engine.close()))
    })

    it('evicts the least recently used streams first past the bound, never the one published to', async () => {
      // Moved by hand, 1 ms per publication, so that "least recently used" is never a tie.
      const clock = { nowMs: Date.now() }
      const maxHistoryBytes = 100_000
      const { engine, historyBytes } = await makeBounded({
        maxHistoryBytes,
        now: () => clock.nowMs,
      })
      engines.push(engine)
      await engine.start(() => undefined)
      const text = 'x'.repeat(10_000)
      const held = 'held-1'
      await engine.broker.subscribe(held)
      const positions = []
      for (let i = 0; i < 30; i++) {
        clock.nowMs += 1
        positions.push(await engine.broker.publish(`held-${i}`, draft(text), keep()))
        expect(historyBytes()).toBeLessThanOrEqual(maxHistoryBytes)
      }
      const kept: boolean[] = []
      for (let i = 0; i < 30; i++) {
        const page = await engine.broker.history(`held-${i}`, {
          limit: 10,
          since: { epoch: '', seq: 0 },
        })
        const position = positions[i]
        kept.push(page.top.epoch === position?.epoch && page.pubs.length === 1)
        // Gone means a new epoch (or, for the subscribed stream, a gap): never a silent one.
        if (!kept[i])
          expect(page.top.epoch !== position?.epoch || page.pubs.length === 0).toBe(true)
      }
      const firstKept = kept.indexOf(true)
      expect(firstKept).toBeGreaterThan(0)
      expect(kept.slice(firstKept).every(Boolean)).toBe(true)
      expect(30 - firstKept).toBeLessThanOrEqual(10)
      // The subscribed stream kept its epoch and seq; only its publication went.
      const heldPage = await engine.broker.history(held, { limit: 10 })
      expect(heldPage.top).toEqual(positions[1])
      expect(heldPage.pubs).toEqual([])
      // One publication larger than the bound is still stored in the stream published to.
      clock.nowMs += 1
      const big = await engine.broker.publish('big', draft('y'.repeat(150_000)), keep())
      expect((await engine.broker.history('big', { limit: 1 })).top).toEqual(big)
      expect((await engine.broker.history('big', { limit: 1 })).pubs).toHaveLength(1)
    })
  })
}
