import { describe, expect, it } from 'vitest'
import type { ClientFrame, Pub, SubscribeResult } from '../protocol/index.js'
import { HubbubError } from './errors.js'
import type { ClientLink, RequestBody } from './link.js'
import { Subscription } from './subscription.js'

/**
 * A link whose requests the test answers by hand, so that replies and frames can be ordered
 * exactly as a transport may deliver them.
 */
const createLink = () => {
  const requests: {
    body: RequestBody
    resolve: (result: unknown) => void
    reject: (error: HubbubError) => void
  }[] = []
  const publishes: {
    body: Extract<RequestBody, { type: 'publish' }>
    resolve: (result: { seq: number }) => void
  }[] = []
  const sent: ClientFrame[] = []
  const forgotten: string[] = []
  const link: ClientLink = {
    isConnected: () => true,
    request: (body) =>
      new Promise((resolve, reject) => {
        requests.push({ body, resolve, reject })
      }),
    publish: (body) =>
      new Promise((resolve) => {
        publishes.push({ body, resolve })
      }),
    send: (frame) => {
      sent.push(frame)
    },
    forget: (channel) => {
      forgotten.push(channel)
    },
  }
  /** Answers the oldest unanswered subscribe; returns what it asked for. */
  const answerSubscribe = (result: Partial<SubscribeResult>): RequestBody => {
    const index = requests.findIndex((request) => request.body.type === 'subscribe')
    const [request] = requests.splice(index, 1)
    if (request === undefined) throw new Error('no subscribe request')
    request.resolve({ epoch: 'e1', seq: 0, recovered: false, missed: [], ...result })
    return request.body
  }
  return { link, requests, publishes, sent, forgotten, answerSubscribe }
}

const pub = (seq: number, epoch = 'e1'): Pub => ({ seq, epoch, data: `#${seq}`, time: 0 })

const record = (sub: Subscription): number[] => {
  const seqs: number[] = []
  sub.on('message', (message) => seqs.push(message.seq))
  return seqs
}

/** A subscription already subscribed at `seq` of epoch e1. */
const subscribedAt = async (seq: number) => {
  const fake = createLink()
  const sub = new Subscription('c', fake.link)
  const subscribing = sub.resubscribe()
  fake.answerSubscribe({ seq })
  await subscribing
  return { ...fake, sub, seqs: record(sub) }
}

describe('Subscription', () => {
  it('delivers publications that arrive after the subscribe reply but before it is handled', async () => {
    const { link, answerSubscribe } = createLink()
    const sub = new Subscription('c', link)
    const seqs = record(sub)
    const subscribing = sub.resubscribe()
    // As `ws` does with frames that arrive together: the reply and the publications parked
    // behind it are dispatched in one turn, before the reply's continuation runs.
    answerSubscribe({ seq: 2 })
    sub.handle({ type: 'pub', channel: 'c', pub: pub(3) })
    sub.handle({ type: 'pub', channel: 'c', pub: pub(4) })
    expect(sub.state).toBe('subscribing')
    await subscribing
    expect(seqs).toEqual([3, 4])
    expect(sub.position).toEqual({ epoch: 'e1', seq: 4 })
  })

  it('resubscribes since its position: missed, then live, each once', async () => {
    const { sub, seqs, answerSubscribe } = await subscribedAt(2)
    const resubscribing = sub.resubscribe()
    const body = answerSubscribe({ seq: 4, recovered: true, missed: [pub(3), pub(4)] })
    expect(body).toMatchObject({ type: 'subscribe', channel: 'c', since: { epoch: 'e1', seq: 2 } })
    sub.handle({ type: 'pub', channel: 'c', pub: pub(4) })
    await resubscribing
    sub.handle({ type: 'pub', channel: 'c', pub: pub(4) })
    sub.handle({ type: 'pub', channel: 'c', pub: pub(5) })
    expect(seqs).toEqual([3, 4, 5])
  })

  it('does not show its own publications when a resubscribe returns them', async () => {
    const { sub, seqs, publishes, answerSubscribe } = await subscribedAt(0)
    const first = sub.publish('mine')
    publishes.shift()?.resolve({ seq: 1 })
    expect(await first).toEqual({ seq: 1 })
    // Next in line: the position moves past it at once.
    expect(sub.position?.seq).toBe(1)
    sub.handle({ type: 'pub', channel: 'c', pub: pub(2) })
    const second = sub.publish('mine too')
    const { body } = publishes[0] ?? {}
    expect(body?.key).toMatch(/^[0-9a-f]{24}$/)
    publishes.shift()?.resolve({ seq: 4 })
    await second
    sub.handle({ type: 'pub', channel: 'c', pub: pub(3) })
    const resubscribing = sub.resubscribe()
    answerSubscribe({ seq: 5, recovered: true, missed: [pub(4), pub(5)] })
    await resubscribing
    expect(seqs).toEqual([2, 3, 5])
  })

  it('emits reset and moves to the new position when the missed are gone', async () => {
    const { sub, seqs, answerSubscribe } = await subscribedAt(3)
    const resets: unknown[] = []
    sub.on('reset', (reset) => resets.push(reset))
    const resubscribing = sub.resubscribe()
    answerSubscribe({ epoch: 'e2', seq: 9, recovered: false })
    await resubscribing
    expect(resets).toEqual([{ epoch: 'e2', seq: 9 }])
    expect(sub.position).toEqual({ epoch: 'e2', seq: 9 })
    sub.handle({ type: 'pub', channel: 'c', pub: pub(9, 'e2') })
    sub.handle({ type: 'pub', channel: 'c', pub: pub(10, 'e2') })
    expect(seqs).toEqual([10])
  })

  it('resubscribes on unsubscribed 2500-2999 and ends on 2000-2499', async () => {
    const { sub, requests, forgotten, answerSubscribe } = await subscribedAt(5)
    sub.handle({ type: 'unsubscribed', channel: 'c', code: 2500, reason: 'gap' })
    expect(answerSubscribe({ seq: 5, recovered: true })).toMatchObject({
      since: { epoch: 'e1', seq: 5 },
    })
    await Promise.resolve()
    const loop = (async () => {
      for await (const message of sub) expect(message).toBeUndefined()
    })()
    const unsubscribed: unknown[] = []
    sub.on('unsubscribed', (event) => unsubscribed.push(event))
    sub.handle({ type: 'unsubscribed', channel: 'c', code: 2000, reason: 'removed' })
    expect(unsubscribed).toEqual([{ code: 2000, reason: 'removed' }])
    expect(sub.state).toBe('unsubscribed')
    expect(forgotten).toEqual(['c'])
    await loop
    expect(() => {
      sub.signal('late')
    }).toThrow(HubbubError)
    await sub.resubscribe()
    expect(requests).toEqual([])
  })

  it('turns a members list into the leaves and joins that bring its view to it', async () => {
    const fake = createLink()
    const sub = new Subscription('c', fake.link, { presence: true })
    const events: string[] = []
    sub.on('join', (m) => events.push(`join ${m.name}`))
    sub.on('leave', (m) => events.push(`leave ${m.name}`))
    const member = (name: string) => ({ client: name, user: `anon:${name}`, name })
    const subscribing = sub.resubscribe()
    fake.answerSubscribe({ members: [member('Me'), member('Ann')] })
    await subscribing
    sub.handle({ type: 'join', channel: 'c', member: member('Bob') })
    sub.handle({
      type: 'members',
      channel: 'c',
      members: [member('Me'), member('Bob'), member('Cy')],
    })
    expect(events).toEqual(['join Bob', 'leave Ann', 'join Cy'])
    sub.handle({
      type: 'members',
      channel: 'c',
      members: [member('Me'), member('Bob'), member('Cy')],
    })
    expect(events).toHaveLength(3)
  })

  it('applies a members list that arrives before the subscribe reply is handled, after it', async () => {
    const fake = createLink()
    const sub = new Subscription('c', fake.link, { presence: true })
    const events: string[] = []
    sub.on('subscribed', () => events.push('subscribed'))
    sub.on('join', (m) => events.push(`join ${m.name}`))
    sub.on('leave', (m) => events.push(`leave ${m.name}`))
    const member = (name: string) => ({ client: name, user: `anon:${name}`, name })
    const subscribing = sub.resubscribe()
    fake.answerSubscribe({ members: [member('Me'), member('Ann')] })
    sub.handle({ type: 'members', channel: 'c', members: [member('Me'), member('Bob')] })
    await subscribing
    expect(events).toEqual(['subscribed', 'leave Ann', 'join Bob'])
  })
})
