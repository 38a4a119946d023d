/**
 * Backpressure over real loopback sockets (DESIGN.md §6): per-channel policies `recover`, `latest`
 * and `drop` past `sendHighWaterBytes`, and the hard cap `maxBufferedBytes`. The slow reader is a
 * hand-made WebSocket client that stops reading (`RawSocket.pause()`): the loopback TCP buffers
 * fill up (about 4 MiB on Linux: the sender's autotuned `tcp_wmem` plus the receive window), then
 * the server's own send buffer does, and the policies take over.
 */
import { describe, expect, it } from 'vitest'
import type { Pub, ServerFrame, SubscribeResult } from '../src/protocol/index.js'
import type { HubbubServer, ServerOptions } from '../src/server/index.js'
import { useServer } from './support/harness.js'
import { settleGarbage } from './support/memory.js'
import type { TestClient } from './support/protocol-client.js'
import { RawProtocolClient } from './support/raw-protocol-client.js'
import { scrape } from './support/metrics-text.js'

const KiB = 1024
const MiB = 1024 * KiB
const HIGH_WATER_BYTES = 16 * KiB
const MAX_BUFFERED_BYTES = 512 * KiB
/** Bytes of data per publication. */
const PAYLOAD_BYTES = 8 * KiB
/** Publications that add up to 16 MiB: several times what loopback TCP buffers can hold. */
const SATURATING_COUNT = (16 * MiB) / PAYLOAD_BYTES
/** History of the `narrow:*` channels, far shorter than what a stopped reader misses. */
const NARROW_HISTORY = 50

const channels: ServerOptions['channels'] = {
  'recover:*': { backpressure: 'recover', historySize: 10_000 },
  'narrow:*': { backpressure: 'recover', historySize: NARROW_HISTORY },
  'latest:*': { backpressure: 'latest', historySize: 0 },
  'drop:*': { backpressure: 'drop', historySize: 0 },
  'watch:*': { joinLeave: true, historySize: 0 },
}

const { start, connect, track } = useServer({
  sendHighWaterBytes: HIGH_WATER_BYTES,
  maxBufferedBytes: MAX_BUFFERED_BYTES,
  channels,
})

const rawClient = async (hubbub: HubbubServer, name: string): Promise<RawProtocolClient> =>
  track(await RawProtocolClient.connect(hubbub.port, name))

const subscribe = async (
  client: RawProtocolClient | TestClient,
  channel: string,
): Promise<SubscribeResult> =>
  (await client.request({ type: 'subscribe', channel })) as SubscribeResult

const padding = (bytes: number): string => 'x'.repeat(bytes)

/**
 * Publishes `count` publications through the server API, letting the event loop run between
 * them (uncorking, kernel writes, drain events) as it would between messages from a network.
 */
const publishMany = async (
  hubbub: HubbubServer,
  channel: string,
  count: number,
  bytes = PAYLOAD_BYTES,
): Promise<void> => {
  const pad = padding(bytes)
  for (let i = 1; i <= count; i++) {
    await hubbub.hub.publish(channel, { i, pad })
    await new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
  }
}

const isPub =
  (channel: string, seq: number) =>
  (frame: ServerFrame): boolean =>
    frame.type === 'pub' && frame.channel === channel && frame.pub.seq === seq

const seqsOf = (pubs: Pub[]): number[] => pubs.map((pub) => pub.seq)

const range = (first: number, last: number): number[] =>
  Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i)

const isStrictlyIncreasing = (values: number[]): boolean =>
  values.every((value, i) => i === 0 || value > (values[i - 1] ?? Number.NEGATIVE_INFINITY))

/** A request answered proves the connection open and everything sent before the reply read. */
const roundTrip = async (client: RawProtocolClient, channel: string): Promise<void> => {
  await client.request({ type: 'presence', channel })
}

describe('recover', () => {
  it('a reader that stops and resumes gets every seq exactly once, in order, and is not closed', async () => {
    const hubbub = await start()
    const reader = await rawClient(hubbub, 'Reader')
    await subscribe(reader, 'recover:a')
    // A drop channel on the same socket shows when the socket is past the high-water mark.
    await subscribe(reader, 'drop:probe')
    reader.pause()

    await publishMany(hubbub, 'recover:a', SATURATING_COUNT)
    await hubbub.hub.publish('drop:probe', { probe: 1 })
    reader.resume()

    await reader.waitForFrame(isPub('recover:a', SATURATING_COUNT))
    await roundTrip(reader, 'recover:a')
    const pubs = reader.pubs('recover:a')
    expect(seqsOf(pubs)).toEqual(range(1, SATURATING_COUNT))
    expect(pubs.every((pub) => (pub.data as { i: number }).i === pub.seq)).toBe(true)
    // The probe was dropped: the socket was full, so the recover channel had to catch up.
    expect(
      reader.pubs('drop:probe'),
      'the socket never filled up: the volume is too small',
    ).toEqual([])
    await hubbub.hub.publish('drop:probe', { probe: 2 })
    await reader.waitForFrame(isPub('drop:probe', 2))
    expect(reader.raw.closeFrame).toBeUndefined()
    // /metrics: every seq counted once as delivered (live or caught up), the probe as dropped.
    const read = await scrape(hubbub.port)
    expect(read('hubbub_deliveries_total')).toBe(SATURATING_COUNT + 1)
    expect(read('hubbub_backpressure_total', { policy: 'drop', outcome: 'dropped' })).toBe(1)
    expect(
      read('hubbub_backpressure_total', { policy: 'recover', outcome: 'skipped' }),
    ).toBeGreaterThanOrEqual(1)
  })

  it('a reader that falls out of the history window is closed 4001 and resubscribes unrecovered', async () => {
    // With a cap above all that is published, only the history window can close the reader.
    // A catch-up cache far smaller than what it misses: past it, only history could help.
    const hubbub = await start({ maxBufferedBytes: 64 * MiB, catchUpCacheBytes: MiB })
    const reader = await rawClient(hubbub, 'Reader')
    const { epoch } = await subscribe(reader, 'narrow:b')
    reader.pause()

    await publishMany(hubbub, 'narrow:b', SATURATING_COUNT)
    reader.resume()

    const close = await reader.raw.closed()
    expect(close.code).toBe(4001)
    expect(close.reason).toMatch(/slow consumer/)
    // What it got has no gap and no duplicate: it was told, by the close, that it lost the rest.
    const seqs = seqsOf(reader.pubs('narrow:b'))
    const last = seqs.at(-1) ?? 0
    expect(seqs).toEqual(range(1, last))
    expect(last).toBeLessThan(SATURATING_COUNT - NARROW_HISTORY)
    const read = await scrape(hubbub.port)
    expect(read('hubbub_backpressure_total', { policy: 'recover', outcome: 'closed' })).toBe(1)
    expect(read('hubbub_disconnects_total', { code: '4001' })).toBe(1)

    const again = await connect('Reader again')
    const resumed = await again.request({
      type: 'subscribe',
      channel: 'narrow:b',
      since: { epoch, seq: last },
    })
    expect(resumed).toEqual({ epoch, seq: SATURATING_COUNT, recovered: false, missed: [] })
    // Within the window the same request recovers: the window, not the request, decided.
    const recent = (await again.request({
      type: 'history',
      channel: 'narrow:b',
      since: { epoch, seq: SATURATING_COUNT - 10 },
    })) as { pubs: Pub[] }
    expect(seqsOf(recent.pubs)).toEqual(range(SATURATING_COUNT - 9, SATURATING_COUNT))
  })
})

describe('latest', () => {
  it('a reader that resumes gets the newest publication, fewer than were published, and is not closed', async () => {
    const hubbub = await start()
    const reader = await rawClient(hubbub, 'Reader')
    await subscribe(reader, 'latest:c')
    reader.pause()

    await publishMany(hubbub, 'latest:c', SATURATING_COUNT)
    reader.resume()

    await reader.waitForFrame(isPub('latest:c', SATURATING_COUNT))
    await roundTrip(reader, 'latest:c')
    const seqs = seqsOf(reader.pubs('latest:c'))
    expect(seqs.length).toBeLessThan(SATURATING_COUNT)
    expect(seqs.at(-1)).toBe(SATURATING_COUNT)
    expect(isStrictlyIncreasing(seqs)).toBe(true)
    expect(reader.raw.closeFrame).toBeUndefined()
    const read = await scrape(hubbub.port)
    expect(
      read('hubbub_backpressure_total', { policy: 'latest', outcome: 'coalesced' }),
    ).toBeGreaterThanOrEqual(SATURATING_COUNT - seqs.length)
  })
})

describe('drop', () => {
  it('a reader that resumes misses what came while it was full, and is not closed', async () => {
    const hubbub = await start()
    const reader = await rawClient(hubbub, 'Reader')
    await subscribe(reader, 'drop:d')
    reader.pause()

    await publishMany(hubbub, 'drop:d', SATURATING_COUNT)
    reader.resume()

    await roundTrip(reader, 'drop:d')
    const seqs = seqsOf(reader.pubs('drop:d'))
    expect(seqs.length).toBeLessThan(SATURATING_COUNT)
    expect(seqs).not.toContain(SATURATING_COUNT)
    expect(isStrictlyIncreasing(seqs)).toBe(true)
    // Live again once drained.
    await hubbub.hub.publish('drop:d', { i: SATURATING_COUNT + 1 })
    await reader.waitForFrame(isPub('drop:d', SATURATING_COUNT + 1))
    expect(reader.raw.closeFrame).toBeUndefined()
    // /metrics: each publication was either delivered or dropped, and counted as such.
    const read = await scrape(hubbub.port)
    expect(read('hubbub_publications_total')).toBe(SATURATING_COUNT + 1)
    expect(read('hubbub_deliveries_total')).toBe(seqs.length + 1)
    expect(read('hubbub_backpressure_total', { policy: 'drop', outcome: 'dropped' })).toBe(
      SATURATING_COUNT - seqs.length,
    )
  })
})

describe('maxBufferedBytes', () => {
  it('closes 4001 a reader whose unread replies pile up past the hard cap, whatever the policy', async () => {
    const hubbub = await start()
    // Each history reply is about 130 KiB: one alone is far below the cap.
    const limit = 16
    await publishMany(hubbub, 'recover:e', limit)
    const watcher = await connect('Watcher')
    await subscribe(watcher, 'watch:e')
    const reader = await rawClient(hubbub, 'Reader')
    await subscribe(reader, 'watch:e')
    await watcher.next('join', (frame) => frame.type === 'join' && frame.member.name === 'Reader')
    reader.pause()

    // Replies follow no channel policy: only the cap bounds them. Each history request goes with
    // a publish the watcher sees, so that the next pair is sent only once the server has handled
    // this one (one reply per event-loop turn, as from a client that sends now and then).
    const isLeaveOfReader = (frame: ServerFrame): boolean =>
      frame.type === 'leave' && frame.member.client === reader.member.client
    const maxRequests = 200
    let requests = 0
    for (let left = false; !left && requests < maxRequests;) {
      requests += 1
      reader.sendRequest({ type: 'history', channel: 'recover:e', limit })
      reader.sendRequest({ type: 'publish', channel: 'watch:e', data: { requests } })
      const seen = await watcher.inbox.take(
        (frame) => isPub('watch:e', requests)(frame) || isLeaveOfReader(frame),
      )
      left = isLeaveOfReader(seen)
    }
    // The server dropped the connection while the reader still slept: it left the channel.
    expect(requests).toBeLessThan(maxRequests)
    reader.resume()

    const close = await reader.raw.closed()
    expect(close.code).toBe(4001)
    expect(close.reason).toMatch(/slow consumer/)
    const historyReplies = reader.frames().filter((frame) => {
      if (frame.type !== 'reply' || !('result' in frame)) return false
      const { result } = frame
      return typeof result === 'object' && result !== null && 'pubs' in result
    })
    // Far more than the cap's worth arrived: they piled up in the kernel and then on the server.
    expect(historyReplies.length).toBeGreaterThan(MAX_BUFFERED_BYTES / (limit * PAYLOAD_BYTES))
  })

  it('does not close a reader that reads promptly when one turn queues more than the cap', async () => {
    // A client back from a network blip resubscribes every channel since its position, at once;
    // each reply carries what it missed. Together they pass the cap, within one event-loop turn,
    // but this client reads everything as fast as it comes: it is no slow consumer.
    const hubbub = await start()
    const missed = 16
    const subscribes: Record<string, unknown>[] = []
    for (let c = 0; c < 8; c++) {
      const channel = `recover:resume-${c}`
      const { epoch } = await hubbub.hub.history(channel, { limit: 0 })
      await publishMany(hubbub, channel, missed)
      subscribes.push({ type: 'subscribe', channel, since: { epoch, seq: 0 } })
    }
    expect(subscribes.length * missed * PAYLOAD_BYTES).toBeGreaterThan(MAX_BUFFERED_BYTES)
    const client = await rawClient(hubbub, 'Returning')

    const results = (await client.requestAll(subscribes)) as SubscribeResult[]
    expect(results.map((result) => [result.recovered, result.missed.length])).toEqual(
      subscribes.map(() => [true, missed]),
    )
    await roundTrip(client, 'recover:resume-0')
    expect(client.raw.closeFrame).toBeUndefined()
  })
})

describe('a high-water mark below the socket buffer size', () => {
  // A net.Socket buffers its writableHighWaterMark (16 KiB on Node 20, 64 KiB from Node 22)
  // before a write returns false, and only then does it emit 'drain' once empty. Nothing stops
  // sendHighWaterBytes from being set lower than that.
  const SMALL_HIGH_WATER_BYTES = 4 * KiB
  const BURST = 20

  /** Publishes `count` publications of 1 KB in one event-loop turn, as a batch from a broker. */
  const publishBurst = async (hubbub: HubbubServer, channel: string, count: number) => {
    const pad = padding(1_000)
    await Promise.all(range(1, count).map((i) => hubbub.hub.publish(channel, { i, pad })))
  }

  it('recover: a reader that reads promptly gets a burst past the mark, then live ones', async () => {
    const hubbub = await start({ sendHighWaterBytes: SMALL_HIGH_WATER_BYTES })
    const reader = await rawClient(hubbub, 'Reader')
    await subscribe(reader, 'recover:g')

    await publishBurst(hubbub, 'recover:g', BURST)
    await new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
    await hubbub.hub.publish('recover:g', { i: BURST + 1 })
    await reader.waitForFrame(isPub('recover:g', BURST + 1), 0, 2_000)
    expect(seqsOf(reader.pubs('recover:g'))).toEqual(range(1, BURST + 1))
  })

  it('latest: a reader that reads promptly gets the newest of a burst past the mark', async () => {
    const hubbub = await start({ sendHighWaterBytes: SMALL_HIGH_WATER_BYTES })
    const reader = await rawClient(hubbub, 'Reader')
    await subscribe(reader, 'latest:g')

    await publishBurst(hubbub, 'latest:g', BURST)
    await reader.waitForFrame(isPub('latest:g', BURST), 0, 2_000)
    const seqs = seqsOf(reader.pubs('latest:g'))
    expect(seqs.at(-1)).toBe(BURST)
    expect(isStrictlyIncreasing(seqs)).toBe(true)
  })
})

describe('a slow reader beside a healthy one', () => {
  const FAST_PAYLOAD_BYTES = 16_000
  /** About 50 MB in all, more than a server could queue for the slow reader unnoticed. */
  const FAST_COUNT = 3_200

  it.each(['narrow:f', 'latest:f', 'drop:f'])(
    '%s: the healthy reader gets every publication promptly and memory stays bounded',
    async (channel) => {
      // Past its 1 MiB catch-up cache, the narrow reader is left to history (50 publications).
      const hubbub = await start({ catchUpCacheBytes: MiB })
      const control = await connect('Control')
      await subscribe(control, channel)
      const reader = await rawClient(hubbub, 'Reader')
      await subscribe(reader, channel)
      reader.pause()

      await settleGarbage()
      const before = process.memoryUsage()
      let peakRss = before.rss
      const pad = padding(FAST_PAYLOAD_BYTES)
      for (let i = 1; i <= FAST_COUNT; i++) {
        await hubbub.hub.publish(channel, { i, pad })
        await control.inbox.take((frame) => isPub(channel, i)(frame), 2_000)
        if (i % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss)
      }
      await settleGarbage()
      const after = process.memoryUsage()

      // Still connected, still subscribed: nothing was given up on to keep memory down.
      const members = await hubbub.hub.presence(channel)
      expect(members.map((member) => member.name)).toContain('Reader')
      // Queued frames are Buffers: 50 MB of them, had the slow reader's frames been kept. (Without
      // a leak, rss grows by 15-25 MB here: the heap of the test's own traffic.)
      expect(after.arrayBuffers).toBeLessThan(16 * MiB)
      expect(peakRss - before.rss).toBeLessThan(40 * MiB)
      expect(control.inbox.pending.filter((frame) => frame.type === 'pub')).toEqual([])

      // And the slow reader was behind all along: it gets what its policy leaves it.
      reader.resume()
      if (channel.startsWith('narrow:')) expect((await reader.raw.closed()).code).toBe(4001)
      else {
        await roundTrip(reader, channel)
        expect(reader.pubs(channel).length).toBeLessThan(FAST_COUNT / 2)
      }
    },
  )
})
