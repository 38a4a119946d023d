/**
 * hubbub itself, `hubbub serve` from dist/, spoken to in `hubbub.v1` with batching asked for: a
 * message may carry several frames separated by "\n", so every message is split on 0x0A (harmless
 * when the server sends one frame a message). `pub` frames are read in place (the payload's `i`
 * and `t`, and `seq` for the integrity check); other frames are parsed.
 */
import { createPayloadReader, readNumber, readPayload, readPayloadAtHint } from '../scan.js'
import { deferred, openSocket, readAt, terminate } from '../socket.js'
import { startServer } from '../support.js'

const SEQ_AT = Buffer.byteLength('{"type":"pub","channel":"bench","pub":{"seq":')
const SETUP_TIMEOUT_MS = 10_000
const LF = 0x0a

/** Whether the frame at `from` is a `pub`: `{"type":"pub"`, the server writes `type` first. */
const isPub = (buf, from, to) =>
  to - from > 12 && buf[from + 9] === 0x70 && buf[from + 10] === 0x75 && buf[from + 11] === 0x62

/** Where the frame at `from` ends: the next "\n" before `to`, or `to`. */
const frameEnd = (buf, from, to) => {
  let at = from
  while (at < to && buf[at] !== LF) at++
  return at
}

/**
 * Where the pub frame whose payload starts at `at` ends, before `to`. The payload has the same
 * size in every message and the rest of the frame (`from`, `time`) nearly so, so the frame ends
 * `reader.tail` bytes past `at` in almost every pub: that is tried first (the byte there must be
 * the "\n" or the message's end, after `}}`) before the ~150 bytes are scanned. A guess past the
 * real end would have to land on the "\n" of a following frame ending in `}}` and no longer than
 * the difference: a pub is ~250 bytes and its size varies by a few; any skipped pub would show as
 * a `seq` gap.
 */
const pubEnd = (buf, at, to, reader) => {
  const guess = at + reader.tail
  if (
    guess <= to &&
    (guess === to || buf[guess] === LF) &&
    buf[guess - 1] === 0x7d &&
    buf[guess - 2] === 0x7d
  )
    return guess
  const end = frameEnd(buf, at, to)
  reader.tail = end - at
  return end
}

/** The node a connection goes to: of a group's `ports`, the one its index picks (round robin). */
const portFor = (server, index = 0) =>
  server.ports === undefined ? server.port : server.ports[index % server.ports.length]

/**
 * One connection, `connect`ed with `batch: true`. Every message `buf[from, to)` is split on
 * "\n" (several frames when batched): a `pub` frame goes to `onPub(buf, from, to)`, which
 * returns where the frame ends (`to`: the message's end), other frames are parsed. `requests` resolve with their reply's result; replies to
 * anything else (publishes) go to `onReply`.
 */
const connect = async (server, options, { onPub, onReply }) => {
  const waiters = new Map()
  let ws
  const onFrame = (frame) => {
    if (frame.type === 'ping') return ws.send('{"type":"pong"}')
    const waiter = frame.type === 'reply' ? waiters.get(frame.id) : undefined
    if (waiter !== undefined) {
      waiters.delete(frame.id)
      return frame.error === undefined
        ? waiter.resolve(frame.result)
        : waiter.reject(new Error(`${frame.error.code}: ${frame.error.message}`))
    }
    if (frame.type === 'reply') return onReply(frame)
    options.sink.count(`frame ${frame.type}`)
  }
  const onMessage = (socket, buf, start, end) => {
    ws = socket
    for (let from = start; from < end;) {
      let to
      if (isPub(buf, from, end)) to = onPub(buf, from, end)
      else {
        to = frameEnd(buf, from, end)
        if (to > from) onFrame(JSON.parse(buf.toString('utf8', from, to)))
      }
      from = to + 1
    }
  }
  ws = await openSocket(server.url ?? `ws://127.0.0.1:${portFor(server, options.index)}/`, {
    ...options,
    protocol: 'hubbub.v1',
    onMessage,
    onClose: (code) => {
      for (const waiter of waiters.values()) waiter.reject(new Error(`closed ${code}`))
      options.sink.closed(code)
    },
  })
  const request = (frame) => {
    const waiter = deferred(SETUP_TIMEOUT_MS, `reply to ${frame.type}`)
    waiters.set(frame.id, waiter)
    ws.send(JSON.stringify(frame))
    return waiter.promise
  }
  const hello = await request({ type: 'connect', id: 1, name: 'b', batch: true })
  options.sink.info.batch = hello.batch === true
  return { ws, request }
}

/**
 * The hubbub target: `serve` with `serveArgs(tmpDir)`, or, with `start`, whatever servers it
 * starts (see redis.js); `unavailable` as in index.js.
 */
export const hubbubTarget = (
  name,
  serveArgs,
  {
    describe = `hubbub serve ${serveArgs('<fresh dir>').join(' ')}`,
    unavailable = () => undefined,
    start = ({ root, tmpDir }) => startServer(root, 15_000, serveArgs(tmpDir)),
  } = {},
) => ({
  name,
  describe,
  unavailable,
  start,

  async subscriber(server, options) {
    const { sink } = options
    const reader = createPayloadReader()
    let lastSeq = 0
    // `end` is the message's: the payload at the hint is this frame's (a pub frame is longer than
    // the hint), so the frame's end is looked for only after it (see pubEnd).
    const onPub = (buf, from, end) => {
      const isSeqAt = buf[from + SEQ_AT - 1] === 0x3a && buf[from + SEQ_AT - 2] === 0x22
      const seq = isSeqAt ? readNumber(buf, from + SEQ_AT) : lastSeq + 1
      if (seq > lastSeq + 1) sink.count('seq gaps', seq - lastSeq - 1)
      else if (seq <= lastSeq) sink.count('seq duplicates')
      lastSeq = seq
      if (
        readPayloadAtHint(buf, from, reader) ||
        readPayload(buf, from, frameEnd(buf, from, end), reader)
      ) {
        sink.deliver(reader.i, reader.t, readAt)
        return pubEnd(buf, from + reader.hint, end, reader)
      }
      sink.count('pub without payload')
      return frameEnd(buf, from, end)
    }
    const onReply = () => sink.count('unexpected reply')
    const { ws, request } = await connect(server, options, { onPub, onReply })
    lastSeq = (await request({ type: 'subscribe', id: 2, channel: 'bench' })).seq
    return { close: () => terminate(ws) }
  },

  async publisher(server, options) {
    const { sink } = options
    const onPub = (buf, from, end) => {
      sink.count('pub to a publisher')
      return frameEnd(buf, from, end)
    }
    const onReply = (frame) => {
      if (frame.error !== undefined) sink.count(`reply ${frame.error.code}`)
    }
    const { ws } = await connect(server, options, { onPub, onReply })
    let nextId = 2
    return {
      send: (data) =>
        ws.send(`{"type":"publish","id":${nextId++},"channel":"bench","data":${data}}`),
      close: () => terminate(ws),
    }
  },
})

export const hubbub = hubbubTarget('hubbub', () => ['--memory'])
export const hubbubSqlite = hubbubTarget('hubbub-sqlite', (tmpDir) => ['--data', tmpDir])
