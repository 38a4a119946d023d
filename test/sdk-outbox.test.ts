/**
 * Publishing through outages with the client SDK, over real loopback sockets (DESIGN.md §3, §7):
 * publishes made while offline wait in a bounded outbox and go out after reconnecting, a publish
 * whose reply was lost is sent again with its idempotency key and delivered once, and a server
 * closed and recreated on the same port (in-process, on a shared memory backend) loses and repeats
 * nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { HubbubError } from '../src/client/node.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import { CloseCode, type HubbubServer, type ServerOptions } from '../src/server/index.js'
import { createHarness, nextEvent, range, Received } from './support/sdk.js'

const h = createHarness()
afterEach(() => h.cleanUp())

const fastReconnect = { minReconnectDelayMs: 1, maxReconnectDelayMs: 20 }

describe('outbox', () => {
  it('holds publishes made offline, rejects the newest past maxOutbox with outbox_full, sends the rest after reconnecting', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    const writer = h.client(proxy.port, { ...fastReconnect, maxOutbox: 3 })
    const reader = h.client(server.port)
    const out = writer.channel('room:o')
    const inbox = reader.channel('room:o')
    await Promise.all([nextEvent(out, 'subscribed'), nextEvent(inbox, 'subscribed')])
    const got = new Received(inbox)

    proxy.mode = 'refuse'
    const disconnected = nextEvent(writer, 'disconnected')
    proxy.cut()
    await disconnected
    const waiting = ['a', 'b', 'c'].map((text) => out.publish(text))
    const overflow = await out.publish('d').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(overflow).toBeInstanceOf(HubbubError)
    expect(overflow).toMatchObject({ code: 'outbox_full' })

    const reconnected = nextEvent(writer, 'connected')
    proxy.mode = 'forward'
    await reconnected
    expect(await Promise.all(waiting)).toEqual([{ seq: 1 }, { seq: 2 }, { seq: 3 }])
    expect(await out.publish('e')).toEqual({ seq: 4 })
    await got.count(4)
    expect(got.data).toEqual(['a', 'b', 'c', 'e'])
    expect(got.seqs).toEqual([1, 2, 3, 4])
  })

  it('sends a publish whose reply was lost again, with its key: delivered once', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    const writer = h.client(proxy.port, fastReconnect)
    const reader = h.client(server.port)
    const out = writer.channel('room:lost')
    const inbox = reader.channel('room:lost')
    await Promise.all([nextEvent(out, 'subscribed'), nextEvent(inbox, 'subscribed')])
    const got = new Received(inbox)
    const own = new Received(out)

    // The server hears the writer, the writer no longer hears the server.
    expect(proxy.stall('toClient')).toBe(1)
    const first = out.publish({ n: 1 })
    await got.count(1)
    expect(got.pubs[0]).toMatchObject({ seq: 1, data: { n: 1 } })
    const reconnected = nextEvent(writer, 'connected')
    expect(proxy.cut()).toBe(1)
    await reconnected
    // The retry was answered with the first attempt's seq, and delivered nothing new.
    expect(await first).toEqual({ seq: 1 })
    expect(await out.publish({ n: 2 })).toEqual({ seq: 2 })
    await got.count(2)
    expect(got.data).toEqual([{ n: 1 }, { n: 2 }])
    expect(got.seqs).toEqual([1, 2])
    // The writer's own subscription never shows its own publication, not even after the
    // resubscribe returned it among the missed ones.
    await reader.publish('room:lost', 'from the reader')
    await own.count(1)
    expect(own.data).toEqual(['from the reader'])
  })

  it('publishes without a subscription, through the outbox when offline', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    const writer = h.client(proxy.port, fastReconnect)
    const reader = h.client(server.port)
    const inbox = reader.channel('room:nosub')
    await Promise.all([nextEvent(writer, 'connected'), nextEvent(inbox, 'subscribed')])
    const got = new Received(inbox)
    expect(await writer.publish('room:nosub', 'online')).toEqual({ seq: 1 })
    proxy.mode = 'refuse'
    const disconnected = nextEvent(writer, 'disconnected')
    proxy.cut()
    await disconnected
    const offline = writer.publish('room:nosub', 'offline')
    proxy.mode = 'forward'
    expect(await offline).toEqual({ seq: 2 })
    await got.count(2)
    expect(got.data).toEqual(['online', 'offline'])
  })
})

describe('server restarts', () => {
  it('loses and repeats nothing across two restarts on the same port; offline publishes arrive once', async () => {
    const shared = createMemoryBackend()
    const start = (nodeId: string, port = 0): Promise<HubbubServer> => {
      const options: ServerOptions = {
        port,
        nodeId,
        engine: createMemoryEngine({ shared }),
        shutdownSpreadMs: 20,
        requestsPerSecond: 100_000,
        requestBurst: 100_000,
        channels: { 'feed:*': { historySize: 10_000 } },
      }
      return h.server(options)
    }
    let server = await start('life-1')
    const { port } = server
    const reader = h.client(port, { ...fastReconnect, name: 'reader' })
    const writer = h.client(port, { ...fastReconnect, name: 'writer' })
    const inbox = reader.channel('feed:r')
    const out = writer.channel('feed:r')
    await Promise.all([nextEvent(inbox, 'subscribed'), nextEvent(out, 'subscribed')])
    const got = new Received(inbox)
    let resets = 0
    inbox.on('reset', () => {
      resets++
    })

    // The writer keeps publishing, one after the other, through both restarts.
    const writing = { isOn: true }
    let looped = 0
    const loop = (async () => {
      while (writing.isOn) {
        looped++
        await out.publish({ loop: looped })
      }
    })()
    const offline: { data: { offline: number; k: number }; reply: Promise<{ seq: number }> }[] = []

    for (const life of [2, 3]) {
      await got.count(got.pubs.length + 50)
      const readerDown = nextEvent(reader, 'disconnected')
      const writerDown = nextEvent(writer, 'disconnected')
      const readerBack = nextEvent(reader, 'connected', ({ node }) => node === `life-${life}`)
      const writerBack = nextEvent(writer, 'connected', ({ node }) => node === `life-${life}`)
      await server.close()
      expect(await readerDown).toMatchObject({ code: CloseCode.GoingAway })
      expect(await writerDown).toMatchObject({ code: CloseCode.GoingAway })
      expect(writer.state).not.toBe('connected')
      for (let k = 1; k <= 3; k++) {
        const data = { offline: life, k }
        offline.push({ data, reply: out.publish(data) })
      }
      server = await start(`life-${life}`, port)
      await Promise.all([readerBack, writerBack])
    }
    await got.count(got.pubs.length + 50)
    writing.isOn = false
    await loop
    const offlineSeqs = await Promise.all(offline.map(({ reply }) => reply))

    const total = looped + offline.length
    await got.count(total)
    expect(got.seqs).toEqual(range(1, total))
    // The loop's publications in their order, each once; each offline one once, at its seq.
    const loopData = got.data.filter(
      (data) => typeof data === 'object' && data !== null && 'loop' in data,
    )
    expect(loopData).toEqual(range(1, looped).map((i) => ({ loop: i })))
    offline.forEach(({ data }, i) => {
      const seq = offlineSeqs[i]?.seq
      expect(got.pubs.filter((pub) => pub.seq === seq).map((pub) => pub.data)).toEqual([data])
    })
    expect(resets).toBe(0)
    // The members of the earlier lives left presence when their server shut down.
    const members = (await inbox.presence()).map((member) => member.client).sort()
    expect(members).toEqual([reader.session?.client, writer.session?.client].sort())
  })
})
