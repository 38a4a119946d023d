/**
 * The pure parts of the web apps, without a browser: how the counter page settles on the true
 * value, how a chat timeline merges history, and how connections group into people.
 */
import { describe, expect, it } from 'vitest'
import type { Member, Pub } from '../src/client/index.js'
import {
  initialCounter,
  onCall,
  onFailure,
  onReply,
  onUpdate,
  shownValue,
} from '../web/counter/counter-state.js'
import { groupMembers, withJoin, withLeave } from '../web/chat/members.js'
import { append, fromPub, mergeHistory, type TimelineItem } from '../web/chat/timeline.js'
import { describeTypists } from '../web/chat/typing.js'

describe('counter state', () => {
  it('shows clicks at once and settles on the reply', () => {
    let state = onUpdate(initialCounter, 5)
    const atCall = state.updates
    state = onCall(state, 1)
    expect(shownValue(state)).toBe(6)
    state = onReply(state, 1, 6, atCall)
    expect(shownValue(state)).toBe(6)
  })

  it('ignores a reply that may be older than a publication that came meanwhile', () => {
    let state = onUpdate(initialCounter, 5)
    const atCall = state.updates
    state = onCall(state, 1)
    // Someone else's two clicks, published after ours: 8 includes ours.
    state = onUpdate(state, 8)
    state = onReply(state, 1, 6, atCall)
    expect(shownValue(state)).toBe(8)
  })

  it('drops a failed click', () => {
    let state = onUpdate(initialCounter, 2)
    state = onCall(state, -1)
    expect(shownValue(state)).toBe(1)
    expect(shownValue(onFailure(state, -1))).toBe(2)
  })
})

const member = (client: string, user: string, name: string): Member => ({ client, user, name })

describe('people', () => {
  it('groups the connections of one user into one person', () => {
    const people = groupMembers([
      member('c1', 'anon:a', 'Alice'),
      member('c2', 'anon:b', 'Bob'),
      member('c3', 'anon:a', 'Alice'),
    ])
    expect([...people.values()].map((p) => [p.name, p.clients])).toEqual([
      ['Alice', ['c1', 'c3']],
      ['Bob', ['c2']],
    ])
  })

  it('tells a new person from another tab, and a last tab from one of several', () => {
    const one = withJoin(new Map(), member('c1', 'anon:a', 'Alice'))
    expect(one.isNewPerson).toBe(true)
    const two = withJoin(one.people, member('c2', 'anon:a', 'Alice'))
    expect(two.isNewPerson).toBe(false)
    const left = withLeave(two.people, member('c1', 'anon:a', 'Alice'))
    expect(left.isGone).toBe(false)
    expect(withLeave(left.people, member('c2', 'anon:a', 'Alice'))).toMatchObject({ isGone: true })
  })
})

const pub = (seq: number, text: string): Pub => ({
  seq,
  epoch: 'e',
  data: { text },
  from: member('c', 'anon:x', 'X'),
  time: seq,
})

describe('timeline', () => {
  const texts = (items: TimelineItem[]) => items.map((item) => item.text)

  it('puts history before live messages and skips what it already shows', () => {
    let items: TimelineItem[] = []
    for (const seq of [4, 5]) {
      const message = fromPub(pub(seq, `m${seq}`))
      if (message !== undefined) items = append(items, message)
    }
    const history = [3, 4].map((seq) => fromPub(pub(seq, `m${seq}`))).filter((m) => m !== undefined)
    expect(texts(mergeHistory(items, history))).toEqual(['m3', 'm4', 'm5'])
  })

  it('shows a live message in seq order, before ours still on their way', () => {
    const ours: TimelineItem = {
      kind: 'message',
      id: 'own:k',
      key: 'k',
      text: 'mine',
      name: 'Bob',
      time: 0,
      status: 'sending',
    }
    const live = (seq: number) =>
      [fromPub(pub(seq, `m${String(seq)}`))].filter((m) => m !== undefined)
    // What the chat does with each live publication (room-state.ts, 'message').
    let items = mergeHistory([], live(1))
    items = [...items, ours]
    items = mergeHistory(items, live(3))
    items = mergeHistory(items, live(2))
    expect(texts(items)).toEqual(['m1', 'm2', 'm3', 'mine'])
  })

  it('never shows one publication twice', () => {
    const message = fromPub(pub(1, 'hi'))
    if (message === undefined) throw new Error('not a chat message')
    expect(texts(append(append([], message), message))).toEqual(['hi'])
  })

  it('ignores publications that are not chat messages', () => {
    expect(fromPub({ ...pub(1, ''), data: { value: 1 } })).toBeUndefined()
  })
})

describe('typing line', () => {
  it('names one or two, and counts more', () => {
    expect(describeTypists([])).toBe('')
    expect(describeTypists(['Alice'])).toBe('Alice is typing…')
    expect(describeTypists(['Alice', 'Bob'])).toBe('Alice and Bob are typing…')
    expect(describeTypists(['Alice', 'Bob', 'Carol'])).toBe('Several people are typing…')
  })
})
