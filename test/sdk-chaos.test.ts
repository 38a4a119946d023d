/**
 * The SDK's delivery promise under a hostile network (DESIGN.md §6, §7): a subscriber behind a
 * proxy that cuts its connection (no close frame) at random moments, hundreds of times, while a
 * publisher on a direct connection publishes throughout. Whatever the moments, the subscriber
 * ends with every seq exactly once, in order, and never needs a reset.
 */
import { afterEach, expect, it } from 'vitest'
import { createHarness, nextEvent, range, Received } from './support/sdk.js'

const PUBLICATIONS = 4_000
const MIN_CUTS = 250
const CHANNEL = 'chaos:feed'
/** A bound on the whole run, well under the test timeout, so a hang fails with a message. */
const RUN_DEADLINE_MS = 25_000

const h = createHarness()
afterEach(() => h.cleanUp())

/** A promise that resolves the next time `fire()` is called. */
const createSignal = (): { fire(): void; next(): Promise<void> } => {
  let waiters: (() => void)[] = []
  return {
    fire() {
      const woken = waiters
      waiters = []
      for (const wake of woken) wake()
    },
    next: () =>
      new Promise((resolve) => {
        waiters.push(resolve)
      }),
  }
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

const randomInt = (below: number): number => Math.floor(Math.random() * below)

it(`delivers ${PUBLICATIONS} publications exactly once, in order, through ${MIN_CUTS}+ cuts`, async () => {
  const server = await h.server({
    // The publisher goes as fast as replies come back; the default rate limit would refuse it.
    requestsPerSecond: 1_000_000,
    requestBurst: 1_000_000,
    channels: { 'chaos:*': { historySize: PUBLICATIONS, historyTtlMs: 600_000 } },
  })
  const proxy = await h.proxy(server.port)
  const subscriber = h.client(proxy.port, {
    name: 'subscriber',
    minReconnectDelayMs: 1,
    maxReconnectDelayMs: 20,
  })
  // Directly, not through the proxy: only the subscriber's link is cut.
  const publisher = h.client(server.port, { name: 'publisher' })

  const sub = subscriber.channel(CHANNEL)
  const received = new Received(sub)
  const resubscribes: { recovered: boolean; wasRecovering: boolean }[] = []
  sub.on('subscribed', ({ recovered, wasRecovering }) => {
    resubscribes.push({ recovered, wasRecovering })
  })
  let resets = 0
  sub.on('reset', () => {
    resets++
  })
  const subErrors: Error[] = []
  sub.on('error', (err) => {
    subErrors.push(err)
  })
  let connects = 0
  subscriber.on('connected', () => {
    connects++
  })
  await nextEvent(sub, 'subscribed')
  const out = publisher.channel(CHANNEL)
  await nextEvent(out, 'subscribed')

  const startedAt = Date.now()
  const checkDeadline = (what: string): void => {
    if (Date.now() - startedAt > RUN_DEADLINE_MS)
      throw new Error(`${what}: still running after ${RUN_DEADLINE_MS} ms`)
  }

  // Cut points are drawn from several kinds of moment, so that cuts land in every phase of a
  // connection's life: mid-handshake, with the resubscribe in flight, right after the missed
  // publications were delivered, and at arbitrary times while publications flow.
  const moments: (() => Promise<unknown>)[] = [
    () => delay(randomInt(15)),
    () => delay(randomInt(4)),
    () => proxy.acceptedMoreThan(proxy.acceptedCount),
    () => nextEvent(subscriber, 'connected', () => true, 1_000).catch(() => undefined),
    () => nextEvent(sub, 'subscribed', () => true, 1_000).catch(() => undefined),
    () => received.count(received.pubs.length + 1 + randomInt(20), 1_000).catch(() => undefined),
  ]
  let cuts = 0
  const cutMade = createSignal()
  const cutter = async (): Promise<void> => {
    while (cuts < MIN_CUTS) {
      checkDeadline('the cutter')
      const moment = moments[randomInt(moments.length)]
      if (moment === undefined) throw new Error('unreachable: no moment')
      // The event-based moments may not come (the link may be down): then cut on a timer.
      await Promise.race([moment(), delay(50)])
      if (proxy.cut() > 0) {
        cuts++
        cutMade.fire()
      }
    }
  }

  const publish = async (): Promise<void> => {
    for (let i = 1; i <= PUBLICATIONS; i++) {
      // Spread publications over the whole run: publication i waits for its share of the cuts.
      while (cuts < Math.floor((i * MIN_CUTS) / PUBLICATIONS)) await cutMade.next()
      const { seq } = await out.publish({ i })
      expect(seq).toBe(i)
    }
  }

  await Promise.all([cutter(), publish()])
  await received.until(
    (pubs) => pubs.at(-1)?.seq === PUBLICATIONS || pubs.length >= PUBLICATIONS,
    'the last publication',
    10_000,
  )

  expect(cuts).toBeGreaterThanOrEqual(MIN_CUTS)
  // Many cuts hit a live subscription (not only handshakes), each healed by a reconnect and a
  // resubscribe that recovered what was missed. (About half do, typically.)
  const recoveries = resubscribes.filter((event) => event.wasRecovering)
  expect(connects).toBeGreaterThanOrEqual(recoveries.length)
  expect(recoveries.length).toBeGreaterThanOrEqual(MIN_CUTS / 5)
  expect(recoveries.every((event) => event.recovered)).toBe(true)
  expect(received.seqs).toEqual(range(1, PUBLICATIONS))
  expect(received.data).toEqual(range(1, PUBLICATIONS).map((i) => ({ i })))
  expect(resets).toBe(0)
  expect(subErrors).toEqual([])
  expect(sub.position).toMatchObject({ seq: PUBLICATIONS })
}, 30_000)
