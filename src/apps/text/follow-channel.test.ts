import { describe, expect, it } from 'vitest'
import type { Position, Pub, SubscribeResult } from '../../protocol/index.js'
import type { ChannelEvent, LocalSession } from '../../server/index.js'
import { followChannel, type ChannelFollower } from './follow-channel.js'

type Listener = (event: ChannelEvent) => void

interface SubscribeCall {
  listener: Listener
  since: Position | undefined
  settle(result: Partial<SubscribeResult>): void
  fail(error: Error): void
}

/** A session whose subscribes wait until the test settles them. */
const createFakeSession = (): { session: LocalSession; calls: SubscribeCall[] } => {
  const calls: SubscribeCall[] = []
  const session: LocalSession = {
    member: { client: 'c1', user: 'anon:1', name: 'Alice' },
    subscribe: (_channel, listener, options) =>
      new Promise((resolve, reject) => {
        calls.push({
          listener,
          since: options?.since,
          settle: (result) => {
            resolve({ epoch: 'e1', seq: 0, recovered: false, missed: [], ...result })
          },
          fail: reject,
        })
      }),
    unsubscribe: () => Promise.resolve(),
    publish: () => Promise.resolve({ epoch: 'e1', seq: 1 }),
    signal: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
  return { session, calls }
}

const pub = (seq: number, epoch = 'e1'): Pub => ({ seq, epoch, data: { text: `m${seq}` }, time: 0 })
const pubEvent = (seq: number, epoch = 'e1'): ChannelEvent => ({
  type: 'pub',
  channel: 'chat:lobby',
  pub: pub(seq, epoch),
})

/** A follower that records what it is told, as short strings. */
const createRecorder = (): ChannelFollower & { seen: string[] } => {
  const seen: string[] = []
  return {
    seen,
    onEvent: (event) => seen.push(event.type === 'pub' ? `pub ${event.pub.seq}` : event.type),
    onGap: () => seen.push('gap'),
    onError: (error) => seen.push(`error ${error instanceof Error ? error.message : ''}`),
  }
}

const lastCall = (calls: SubscribeCall[]): SubscribeCall => {
  const call = calls.at(-1)
  if (call === undefined) throw new Error('no subscribe call')
  return call
}

/** Lets pending promise callbacks run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('followChannel', () => {
  it('subscribes without since and hands over events in order, including ones that came early', async () => {
    const { session, calls } = createFakeSession()
    const follower = createRecorder()
    const following = followChannel(session, 'chat:lobby', follower)
    const first = lastCall(calls)
    expect(first.since).toBeUndefined()
    first.listener(pubEvent(1))
    first.settle({ seq: 0 })
    await following
    first.listener({ type: 'join', channel: 'chat:lobby', member: session.member })
    first.listener(pubEvent(2))
    expect(follower.seen).toEqual(['pub 1', 'join', 'pub 2'])
  })

  it('rejects when the subscribe fails', async () => {
    const { session, calls } = createFakeSession()
    const following = followChannel(session, 'chat:lobby', createRecorder())
    lastCall(calls).fail(new Error('forbidden'))
    await expect(following).rejects.toThrow('forbidden')
  })

  it('resubscribes since the last pub when asked, missed pubs first, without duplicates', async () => {
    const { session, calls } = createFakeSession()
    const follower = createRecorder()
    const following = followChannel(session, 'chat:lobby', follower)
    lastCall(calls).settle({})
    await following
    lastCall(calls).listener(pubEvent(1))
    lastCall(calls).listener({
      type: 'unsubscribed',
      channel: 'chat:lobby',
      code: 2500,
      reason: 'x',
    })

    const again = lastCall(calls)
    expect(calls).toHaveLength(2)
    expect(again.since).toEqual({ epoch: 'e1', seq: 1 })
    again.listener(pubEvent(4))
    again.settle({ recovered: true, seq: 3, missed: [pub(2), pub(3)] })
    await settled()
    again.listener(pubEvent(4))
    again.listener(pubEvent(5))
    expect(follower.seen).toEqual(['pub 1', 'pub 2', 'pub 3', 'pub 4', 'pub 5'])
  })

  it('tells of a gap when the missed pubs are gone, and takes a new epoch as it comes', async () => {
    const { session, calls } = createFakeSession()
    const follower = createRecorder()
    const following = followChannel(session, 'chat:lobby', follower)
    lastCall(calls).settle({})
    await following
    lastCall(calls).listener(pubEvent(7))
    lastCall(calls).listener({
      type: 'unsubscribed',
      channel: 'chat:lobby',
      code: 2500,
      reason: 'x',
    })
    lastCall(calls).settle({ recovered: false, epoch: 'e2', seq: 1 })
    await settled()
    lastCall(calls).listener(pubEvent(2, 'e2'))
    expect(follower.seen).toEqual(['pub 7', 'gap', 'pub 2'])
  })

  it('passes on an unsubscribe that asks for no resubscribe, and reports a failed resubscribe', async () => {
    const { session, calls } = createFakeSession()
    const follower = createRecorder()
    const following = followChannel(session, 'chat:lobby', follower)
    lastCall(calls).settle({})
    await following
    lastCall(calls).listener({
      type: 'unsubscribed',
      channel: 'chat:lobby',
      code: 2500,
      reason: 'x',
    })
    lastCall(calls).fail(new Error('unavailable'))
    await settled()
    expect(follower.seen).toEqual(['error unavailable'])

    const other = createRecorder()
    const second = followChannel(session, 'chat:lobby', other)
    lastCall(calls).settle({})
    await second
    lastCall(calls).listener({
      type: 'unsubscribed',
      channel: 'chat:lobby',
      code: 2000,
      reason: 'x',
    })
    expect(other.seen).toEqual(['unsubscribed'])
    expect(calls).toHaveLength(3)
  })
})
