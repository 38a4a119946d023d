import { describe, expect, it } from 'vitest'
import {
  buzz,
  closeRound,
  createRound,
  isOpenAt,
  openRound,
  resetRound,
  standings,
  type Round,
} from './round.js'

/** Applies buzzes in order and returns the final round and every outcome. */
const buzzAll = (
  start: Round,
  inputs: { player: string; arrivedAtMs: number; rttMs?: number }[],
): { round: Round; outcomes: ReturnType<typeof buzz>['outcome'][] } => {
  let round = start
  const outcomes = inputs.map((input) => {
    const result = buzz(round, input)
    round = result.round
    return result.outcome
  })
  return { round, outcomes }
}

describe('a round without a host', () => {
  it('opens at the first buzz and ranks later buzzes by how far behind they are', () => {
    const { outcomes } = buzzAll(createRound(), [
      { player: 'a', arrivedAtMs: 1_000 },
      { player: 'b', arrivedAtMs: 1_420 },
      { player: 'c', arrivedAtMs: 3_000 },
    ])
    expect(outcomes).toEqual([
      { kind: 'ranked', player: 'a', place: 1, behindMs: 0 },
      { kind: 'ranked', player: 'b', place: 2, behindMs: 420 },
      { kind: 'ranked', player: 'c', place: 3, behindMs: 2_000 },
    ])
  })

  it('answers a second buzz of the same player with its unchanged standing', () => {
    const { round, outcomes } = buzzAll(createRound(), [
      { player: 'a', arrivedAtMs: 0 },
      { player: 'b', arrivedAtMs: 250 },
      { player: 'b', arrivedAtMs: 300 },
    ])
    expect(outcomes[2]).toEqual({ kind: 'repeat', player: 'b', place: 2, behindMs: 250 })
    expect(round.buzzes).toHaveLength(2)
  })

  it('closes autoCloseMs after the first buzz; the next buzz starts a new round', () => {
    const { round, outcomes } = buzzAll(createRound({ autoCloseMs: 10_000 }), [
      { player: 'a', arrivedAtMs: 5_000 },
      { player: 'b', arrivedAtMs: 14_999 },
      { player: 'b', arrivedAtMs: 15_000 },
      { player: 'a', arrivedAtMs: 15_100 },
    ])
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'ranked',
      'ranked',
      'ranked',
      'ranked',
    ])
    expect(outcomes[2]).toMatchObject({ player: 'b', place: 1, behindMs: 0 })
    expect(outcomes[3]).toMatchObject({ player: 'a', place: 2, behindMs: 100 })
    expect(round.phase).toEqual({ kind: 'open', openedAtMs: 15_000, closesAtMs: 25_000 })
  })

  it('defaults to a 10 s round', () => {
    const { round } = buzzAll(createRound(), [{ player: 'a', arrivedAtMs: 0 }])
    expect(isOpenAt(round, 9_999)).toBe(true)
    expect(isOpenAt(round, 10_000)).toBe(false)
  })
})

describe('ranking by arrival minus half the round-trip time', () => {
  it('credits half the RTT, so a slow link that arrived later can still win', () => {
    const { round, outcomes } = buzzAll(createRound(), [
      { player: 'near', arrivedAtMs: 1_000, rttMs: 10 },
      { player: 'far', arrivedAtMs: 1_080, rttMs: 200 },
    ])
    // near pressed at 995, far at 980.
    expect(outcomes[1]).toEqual({ kind: 'ranked', player: 'far', place: 1, behindMs: 0 })
    expect(standings(round)).toEqual([
      { player: 'far', place: 1, behindMs: 0 },
      { player: 'near', place: 2, behindMs: 15 },
    ])
  })

  it('keeps arrival order for ties', () => {
    const { round } = buzzAll(createRound(), [
      { player: 'a', arrivedAtMs: 100, rttMs: 0 },
      { player: 'b', arrivedAtMs: 150, rttMs: 100 },
      { player: 'c', arrivedAtMs: 100 },
    ])
    expect(standings(round).map((standing) => standing.player)).toEqual(['a', 'b', 'c'])
  })

  it('refuses a negative or non-finite RTT', () => {
    expect(() => buzz(createRound(), { player: 'a', arrivedAtMs: 0, rttMs: -1 })).toThrow(
      RangeError,
    )
    expect(() => buzz(createRound(), { player: 'a', arrivedAtMs: 0, rttMs: NaN })).toThrow(
      RangeError,
    )
  })
})

describe('a hosted round', () => {
  const hosted = createRound({ isHosted: true })

  it('ignores buzzes until the host opens it', () => {
    const result = buzz(hosted, { player: 'a', arrivedAtMs: 0 })
    expect(result.outcome).toEqual({ kind: 'closed' })
    expect(result.round).toBe(hosted)
  })

  it('stays open until closed, then keeps its ranking but takes no more buzzes', () => {
    const opened = openRound(hosted, 1_000)
    const { round, outcomes } = buzzAll(opened, [
      { player: 'a', arrivedAtMs: 60_000 },
      { player: 'b', arrivedAtMs: 60_500 },
    ])
    expect(outcomes[1]).toMatchObject({ place: 2, behindMs: 500 })
    const closed = closeRound(round, 61_000)
    expect(closed.phase).toEqual({ kind: 'closed', openedAtMs: 1_000, closedAtMs: 61_000 })
    expect(buzz(closed, { player: 'c', arrivedAtMs: 61_001 }).outcome).toEqual({ kind: 'closed' })
    expect(standings(closed)).toHaveLength(2)
  })

  it('can be opened for a limited time', () => {
    const opened = openRound(hosted, 0, 5_000)
    expect(buzz(opened, { player: 'a', arrivedAtMs: 4_999 }).outcome.kind).toBe('ranked')
    expect(buzz(opened, { player: 'a', arrivedAtMs: 5_000 }).outcome).toEqual({ kind: 'closed' })
    expect(closeRound(opened, 9_000).phase).toEqual({
      kind: 'closed',
      openedAtMs: 0,
      closedAtMs: 5_000,
    })
  })

  it('reopening or resetting forgets the buzzes', () => {
    const { round } = buzzAll(openRound(hosted, 0), [{ player: 'a', arrivedAtMs: 10 }])
    expect(openRound(round, 100).buzzes).toEqual([])
    const reset = resetRound(round)
    expect(reset.phase).toEqual({ kind: 'idle' })
    expect(reset.buzzes).toEqual([])
  })

  it('closing a round that is not open changes nothing', () => {
    expect(closeRound(hosted, 5)).toBe(hosted)
  })
})
