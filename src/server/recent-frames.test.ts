import { describe, expect, it } from 'vitest'
import type { Pub } from '../protocol/index.js'
import { CatchUpBudget, RecentFrames } from './recent-frames.js'

const pub = (seq: number, epoch = 'e1', client = 'c1'): Pub => ({
  epoch,
  seq,
  time: 0,
  data: null,
  from: { client, user: 'u', name: 'n' },
})
const frame = (bytes: number): Buffer => Buffer.alloc(bytes)
const seqs = (items: readonly { seq: number }[] | undefined): number[] | undefined =>
  items?.map((item) => item.seq)

describe('RecentFrames', () => {
  it('pages the publications after a position, and says when it does not reach back to it', () => {
    const ring = new RecentFrames(new CatchUpBudget(1_000_000))
    for (let seq = 5; seq <= 40; seq++) ring.push(pub(seq), frame(10))
    expect(seqs(ring.after('e1', 4, 3))).toEqual([5, 6, 7])
    expect(seqs(ring.after('e1', 37, 64))).toEqual([38, 39, 40])
    expect(ring.after('e1', 40, 64)).toEqual([])
    expect(ring.after('e1', 3, 64)).toBeUndefined()
    expect(ring.after('e2', 10, 64)).toBeUndefined()
    expect(ring.after('e1', 41, 64)).toBeUndefined()
  })

  it('keeps the sender, to skip a reader its own publications', () => {
    const ring = new RecentFrames(new CatchUpBudget(1_000))
    ring.push(pub(1, 'e1', 'alice'), frame(1))
    expect(ring.after('e1', 0, 1)?.[0]?.fromClient).toBe('alice')
  })

  it('starts over on a new epoch or a skipped seq', () => {
    const ring = new RecentFrames(new CatchUpBudget(1_000))
    ring.push(pub(1), frame(10))
    ring.push(pub(2), frame(10))
    ring.push(pub(1, 'e2'), frame(10))
    expect(ring.size).toBe(1)
    expect(seqs(ring.after('e2', 0, 9))).toEqual([1])
    ring.push(pub(5, 'e2'), frame(10))
    expect(seqs(ring.after('e2', 4, 9))).toEqual([5])
    expect(ring.after('e2', 0, 9)).toBeUndefined()
  })

  it('holds at most its share of the budget, dropping the oldest, and returns it on close', () => {
    const budget = new CatchUpBudget(1_000)
    const a = new RecentFrames(budget)
    for (let seq = 1; seq <= 50; seq++) a.push(pub(seq), frame(100))
    expect(a.bytes).toBe(1_000)
    expect(seqs(a.after('e1', 40, 64))).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50])
    const b = new RecentFrames(budget)
    b.push(pub(1), frame(100))
    a.push(pub(51), frame(100))
    // Two rings now share the 1,000 bytes.
    expect(a.bytes).toBe(500)
    expect(budget.bytes).toBe(600)
    a.close()
    expect(budget.bytes).toBe(100)
    b.push(pub(2), frame(2_000))
    expect(b.size).toBe(0)
  })

  it('keeps nothing with a budget of 0', () => {
    const ring = new RecentFrames(new CatchUpBudget(0))
    ring.push(pub(1), frame(1))
    expect(ring.size).toBe(0)
    expect(ring.after('e1', 0, 9)).toBeUndefined()
  })
})
