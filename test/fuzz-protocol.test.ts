/**
 * A bounded, seeded fuzz of the `hubbub.v1` protocol over a real server with the bundled apps.
 * Each run opens an attacker connection (a hand-made WebSocket client, so it can send anything:
 * frames of every client type with right and wrong field types, random JSON, random strings and
 * bytes as text and as binary, huge strings, deep nesting, odd WebSocket opcodes), then checks:
 *
 * - every message the attacker got back is one or more well-formed server frames, and every reply
 *   answers an id the attacker sent (no more replies to an id than frames carrying it);
 * - the attacker is answered or closed with a documented close code, never left hanging;
 * - the server still answers `/healthz` and a new connection's `connect`;
 * - nothing was logged at level error;
 * - and, over all runs, a control client subscribed to `fuzz:control` received every publication
 *   a publisher made there between runs, in order, exactly once.
 *
 * `HUBBUB_FUZZ_RUNS` and `HUBBUB_FUZZ_SEED` run it longer or differently by hand; the defaults
 * keep it well under 20 s on a loaded 2-core machine.
 */
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import { SUBPROTOCOL, decodeServerFrame, type ServerFrame } from '../src/protocol/index.js'
import { createServer, type HubbubServer, type LocalSession } from '../src/server/index.js'
import { TestClient } from './support/protocol-client.js'
import { Opcode, RawSocket, type RawEvent } from './support/raw-socket.js'

const RUNS = Number(process.env.HUBBUB_FUZZ_RUNS ?? 400)
const SEED = Number(process.env.HUBBUB_FUZZ_SEED ?? 20_261_206)
const CONTROL_CHANNEL = 'fuzz:control'
/** The id of the request that ends each run; the generators never make one this large. */
const SENTINEL_ID = 2 ** 52
/** Close codes docs/protocol.md documents for what a client may provoke by its input alone. */
const DOCUMENTED_CLOSE_CODES = new Set([1002, 1007, 1008, 1009, 4029, 4500, 4501, 4503])

// --- generators -----------------------------------------------------------------------------

const CHANNELS = [
  'chat:lobby',
  'counter:fuzz',
  'board:fuzz',
  'buzzer:main',
  'notify:anon:x',
  'sys:x',
  'text:broadcast',
  CONTROL_CHANNEL,
  'fuzz:other',
  '',
  'x'.repeat(300),
  'nul\u0000in',
]
const METHODS = [
  'board.stroke',
  'board.clear',
  'notify.send',
  'notify.list',
  'notify.read',
  'notify.dismiss',
  'notify.readAll',
  'notify.demo',
  'counter.add',
  'buzzer.buzz',
  'buzzer.open',
  'buzzer.close',
  'buzzer.reset',
  'buzzer.ping',
  'no.such',
  '',
]

const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 80 }))
const anyJson = fc.jsonValue({ maxDepth: 4 })
/** A value of any JSON type, for fields that must be something else. */
const wrong = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  anyString,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.constantFrom(-1, 1.5, 2 ** 60, Number.MAX_SAFE_INTEGER),
)
const requestId = fc.nat(1_000)
const channel = fc.oneof(fc.constantFrom(...CHANNELS), anyString)
const position = fc.record({ epoch: anyString, seq: fc.integer({ min: -3, max: 1_000 }) })
/** Params the apps' methods read: rooms, names, deltas, ids, strokes. */
const params = fc.oneof(
  anyJson,
  fc.record(
    {
      name: fc.oneof(fc.constant('fuzz'), anyString),
      room: fc.oneof(fc.constant('main'), anyString),
      delta: fc.oneof(fc.integer(), fc.double(), wrong),
      id: fc.oneof(anyString, wrong),
      to: fc.oneof(anyString, wrong),
      text: anyString,
      points: fc.oneof(fc.array(fc.array(fc.double(), { maxLength: 3 }), { maxLength: 5 }), wrong),
    },
    { requiredKeys: [] },
  ),
)

type FieldSpec = Record<string, fc.Arbitrary<unknown>>
/** Each client frame type of src/protocol/frames.ts, its fields with values of the right type. */
const FRAME_FIELDS: Record<string, FieldSpec> = {
  connect: {
    id: requestId,
    token: anyString,
    name: anyString,
    credential: anyString,
    batch: fc.boolean(),
  },
  subscribe: { id: requestId, channel, since: position, presence: fc.boolean() },
  unsubscribe: { id: requestId, channel },
  publish: { id: requestId, channel, data: anyJson, key: anyString },
  signal: { channel, data: anyJson },
  presence: { id: requestId, channel },
  history: {
    id: requestId,
    channel,
    since: position,
    limit: fc.integer({ min: -5, max: 2_000 }),
    reverse: fc.boolean(),
  },
  rpc: { id: requestId, method: fc.constantFrom(...METHODS), params },
  pong: {},
  refresh: { id: requestId, token: anyString },
}

/** A field: usually right, sometimes of a wrong type, sometimes absent. */
const field = (right: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: right },
    { weight: 2, arbitrary: wrong },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )

const typedFrame: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...Object.keys(FRAME_FIELDS))
  .chain((type) => {
    const spec = FRAME_FIELDS[type] ?? {}
    const fields = Object.fromEntries(
      Object.entries(spec).map(([name, right]) => [name, field(right)]),
    )
    return fc.record({
      type: fc.oneof(
        { weight: 9, arbitrary: fc.constant<unknown>(type) },
        { weight: 1, arbitrary: wrong },
      ),
      ...fields,
    })
  })
  .map((frame) =>
    Object.fromEntries(Object.entries(frame).filter(([, value]) => value !== undefined)),
  )

/** One thing an attacker sends: a WebSocket message (or a raw frame) and how. */
type Send =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; data: Uint8Array }
  /** Bytes sent as a text message whatever they are: invalid UTF-8 included. */
  | { kind: 'text-bytes'; data: Uint8Array }
  | { kind: 'frame'; opcode: number; data: Uint8Array }

const deep = fc
  .tuple(fc.integer({ min: 20, max: 30_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, isClosed]) => {
    const close = open === '[' ? ']' : '}'
    const inner = `${open.repeat(depth)}1${isClosed ? close.repeat(depth) : ''}`
    return `{"type":"publish","id":7,"channel":"fuzz:other","data":${inner}}`
  })
const huge = fc
  .tuple(
    fc.constantFrom(30_000, 65_000, 70_000, 200_000),
    fc.constantFrom('publish', 'rpc', 'connect'),
  )
  .map(([length, type]) =>
    JSON.stringify({
      type,
      id: 8,
      channel: 'fuzz:other',
      method: 'counter.add',
      name: 'n',
      data: 'x'.repeat(length),
    }),
  )

const send: fc.Arbitrary<Send> = fc.oneof(
  {
    weight: 12,
    arbitrary: typedFrame.map((frame): Send => ({ kind: 'text', text: JSON.stringify(frame) })),
  },
  {
    weight: 2,
    arbitrary: typedFrame.map((frame): Send => ({
      kind: 'binary',
      data: Buffer.from(JSON.stringify(frame)),
    })),
  },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((text): Send => ({ kind: 'text', text })) },
  { weight: 2, arbitrary: anyString.map((text): Send => ({ kind: 'text', text })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((data): Send => ({ kind: 'binary', data })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((data): Send => ({ kind: 'text-bytes', data })),
  },
  { weight: 1, arbitrary: deep.map((text): Send => ({ kind: 'text', text })) },
  { weight: 1, arbitrary: huge.map((text): Send => ({ kind: 'text', text })) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        opcode: fc.constantFrom(0x0, 0x3, 0x7, 0x9, 0xa, 0xb, 0xf),
        data: fc.uint8Array({ maxLength: 16 }),
      })
      .map(({ opcode, data }): Send => ({ kind: 'frame', opcode, data })),
  },
)

const attack = fc.record({
  /** Usually a valid connect first, so that the frames after it reach the request handlers. */
  connect: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        type: fc.constant('connect'),
        id: fc.constant(0),
        name: fc.oneof(fc.constant('Fuzzer'), anyString),
        batch: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
  sends: fc.array(send, { minLength: 1, maxLength: 12 }),
})
type Attack = typeof attack extends fc.Arbitrary<infer T> ? T : never

// --- the server and the watchers ------------------------------------------------------------

let server: HubbubServer
let control: TestClient
/** A server-side session: a member like any, not held to a connection's frame rate. */
let publisher: LocalSession
const errorLogs: string[] = []

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString('utf8')
      if ((JSON.parse(line) as { level: number }).level >= 50) errorLogs.push(line)
      done()
    },
  })
  server = await createServer({
    port: 0,
    apps: bundledApps(),
    logger: pino({ level: 'warn' }, sink),
  })
  const url = `ws://127.0.0.1:${server.port}/`
  control = await TestClient.connect(url, 'Control')
  await control.request({ type: 'subscribe', channel: CONTROL_CHANNEL })
  publisher = server.hub.session({ name: 'Publisher' })
})

afterAll(async () => {
  control.ws.terminate()
  await publisher.close()
  await server.close()
})

// --- one run --------------------------------------------------------------------------------

const sendOne = (raw: RawSocket, item: Send): void => {
  switch (item.kind) {
    case 'text':
      raw.sendText(item.text)
      return
    case 'binary':
      raw.sendFrame(Opcode.Binary, Buffer.from(item.data))
      return
    case 'text-bytes':
      raw.sendFrame(Opcode.Text, Buffer.from(item.data))
      return
    case 'frame':
      raw.sendFrame(item.opcode, Buffer.from(item.data))
      return
  }
}

/** The request id a message carries, as the server reads it: a JSON object's non-negative safe integer `id`. */
const idOf = (bytes: Buffer): number | undefined => {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !('id' in value))
      return undefined
    const { id } = value
    return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined
  } catch {
    return undefined
  }
}

const bytesOf = (item: Send): Buffer | undefined => {
  switch (item.kind) {
    case 'text':
      return Buffer.from(item.text)
    case 'binary':
    case 'text-bytes':
      return Buffer.from(item.data)
    case 'frame':
      return undefined
  }
}

const isSentinelReply = (event: RawEvent): boolean =>
  event.kind === 'text' &&
  event.text.split('\n').some((text) => {
    const frame = JSON.parse(text) as ServerFrame
    return frame.type === 'reply' && frame.id === SENTINEL_ID
  })

/** Runs one attack and checks what came back; throws with a description when something is wrong. */
const runAttack = async ({ connect, sends }: Attack): Promise<void> => {
  const raw = await RawSocket.open(server.port, { protocol: SUBPROTOCOL })
  try {
    const allowance = new Map<number, number>()
    const allow = (id: number | undefined): void => {
      if (id !== undefined) allowance.set(id, (allowance.get(id) ?? 0) + 1)
    }
    if (connect !== undefined) {
      raw.sendJson(connect)
      allow(connect.id)
    }
    for (const item of sends) {
      sendOne(raw, item)
      const bytes = bytesOf(item)
      if (bytes !== undefined) allow(idOf(bytes))
    }
    raw.sendJson({ type: 'presence', id: SENTINEL_ID, channel: 'fuzz:other' })
    allow(SENTINEL_ID)
    await raw
      .waitFor((event) => event.kind === 'close' || isSentinelReply(event), 0, 10_000)
      .catch((error: unknown) => {
        throw new Error(`no reply to the last request and no close frame: ${String(error)}`)
      })

    for (const event of raw.events) {
      if (event.kind === 'close') {
        count(`close ${event.code}`)
        if (!DOCUMENTED_CLOSE_CODES.has(event.code))
          throw new Error(`closed with an undocumented code ${event.code} (${event.reason})`)
        continue
      }
      // A WebSocket ping the attacker sent gets its pong.
      if (event.kind === 'pong') continue
      if (event.kind !== 'text') throw new Error(`a ${event.kind} message from the server`)
      // One message may pack several frames when batching was agreed; JSON has no raw newline.
      for (const text of event.text.split('\n')) {
        const frame = decodeServerFrame(text)
        if (frame.type !== 'reply') continue
        if (frame.id !== SENTINEL_ID) count('error' in frame ? frame.error.code : 'ok')
        const left = allowance.get(frame.id) ?? 0
        if (left === 0)
          throw new Error(`a reply to id ${frame.id}, which was not asked for: ${text}`)
        allowance.set(frame.id, left - 1)
        if ('error' in frame && frame.error.code === 'internal')
          throw new Error(`an internal error: ${text}`)
      }
    }
  } finally {
    raw.destroy()
  }
}

/** What the attackers got, counted over all runs: close codes, reply error codes and `ok`. */
const outcomes = new Map<string, number>()
const count = (outcome: string): void => {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
}

let published = 0
/** The publisher publishes the next number to the control channel; resolves once it is accepted. */
const publishControl = async (): Promise<void> => {
  published += 1
  await publisher.publish(CONTROL_CHANNEL, { n: published })
}

/** /healthz answers 200 and a new connection gets its connect reply. */
const checkAlive = async (): Promise<void> => {
  const response = await fetch(`http://127.0.0.1:${server.port}/healthz`)
  if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`)
  await response.body?.cancel()
  const probe = await TestClient.connect(`ws://127.0.0.1:${server.port}/`, 'Probe')
  probe.ws.terminate()
}

describe('fuzzing the hubbub.v1 protocol', () => {
  it('never crashes the server, answers with well-formed frames or documented closes, and keeps delivering to others', async () => {
    await fc.assert(
      fc.asyncProperty(attack, async (input) => {
        await runAttack(input)
        await publishControl()
        await checkAlive()
        if (errorLogs.length > 0) throw new Error(`logged at level error: ${errorLogs.join('\n')}`)
      }),
      { numRuns: RUNS, seed: SEED },
    )

    // The control client got every publication of the publisher, in order, exactly once.
    const ns: number[] = []
    const seqs: number[] = []
    while (ns.length < published) {
      const frame = await control.next(
        'pub',
        (candidate) => candidate.type === 'pub' && candidate.channel === CONTROL_CHANNEL,
      )
      if (frame.pub.from?.client !== publisher.member.client) continue
      ns.push((frame.pub.data as { n: number }).n)
      seqs.push(frame.pub.seq)
    }
    expect(ns).toEqual(Array.from({ length: published }, (_, i) => i + 1))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(errorLogs).toEqual([])
    if (process.env.HUBBUB_FUZZ_STATS !== undefined) console.log(outcomes)
    // The attacks reached the request handlers, not only the first-frame check.
    for (const outcome of ['ok', 'bad_request', 'close 4500'])
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(0)
  }, 120_000)
})
