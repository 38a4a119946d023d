/**
 * hubbub itself, `hubbub serve` from dist/, spoken to in `hubbub.v1` with batching asked for: a
 * message may carry several frames separated by "\n", so every message is split on 0x0A (harmless
 * when the server sends one frame a message). `pub` frames are read in place (the payload's `i`
 * and `t`, and `seq` for the integrity check); other frames are parsed.
 */
import { createPayloadReader, readNumber, readPayload } from '../scan.js'
import { deferred, openSocket, terminate } from '../socket.js'
import { startServer } from '../support.js'

const SEQ_AT = Buffer.byteLength('{"type":"pub","channel":"bench","pub":{"seq":')
const SETUP_TIMEOUT_MS = 10_000

/** Hands each frame of `buf` (several when batched) to `onPub(buf, from, to)` or `onFrame(frame)`. */
const splitFrames = (buf, onPub, onFrame) => {
  for (let from = 0; from < buf.length;) {
    let to = buf.indexOf(0x0a, from)
    if (to < 0) to = buf.length
    // `{"type":"pub"`: the server writes `type` first.
    if (
      to - from > 12 &&
      buf[from + 9] === 0x70 &&
      buf[from + 10] === 0x75 &&
      buf[from + 11] === 0x62
    )
      onPub(buf, from, to)
    else if (to > from) onFrame(JSON.parse(buf.toString('utf8', from, to)))
    from = to + 1
  }
}

/**
 * One connection, `connect`ed with `batch: true`. `requests` resolve with their reply's result;
 * replies to anything else (publishes) go to `onReply`.
 */
const connect = async (server, options, { onPub, onReply }) => {
  const waiters = new Map()
  const onFrame = (ws, frame) => {
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
  const ws = await openSocket(`ws://127.0.0.1:${server.port}/`, {
    ...options,
    protocol: 'hubbub.v1',
    onMessage: (ws, buf) => splitFrames(buf, onPub, (frame) => onFrame(ws, frame)),
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

/** The hubbub target: `serve` with `serveArgs(tmpDir)`. */
export const hubbubTarget = (name, serveArgs) => ({
  name,
  describe: `hubbub serve ${serveArgs('<fresh dir>').join(' ')}`,
  unavailable: () => undefined,
  start: ({ root, tmpDir }) => startServer(root, 15_000, serveArgs(tmpDir)),

  async subscriber(server, options) {
    const { sink } = options
    const reader = createPayloadReader()
    let lastSeq = 0
    const onPub = (buf, from, to) => {
      const now = performance.now()
      const isSeqAt = buf[from + SEQ_AT - 1] === 0x3a && buf[from + SEQ_AT - 2] === 0x22
      const seq = isSeqAt ? readNumber(buf, from + SEQ_AT) : lastSeq + 1
      if (seq > lastSeq + 1) sink.count('seq gaps', seq - lastSeq - 1)
      else if (seq <= lastSeq) sink.count('seq duplicates')
      lastSeq = seq
      if (readPayload(buf, from, to, reader)) sink.deliver(reader.i, reader.t, now)
      else sink.count('pub without payload')
    }
    const onReply = () => sink.count('unexpected reply')
    const { ws, request } = await connect(server, options, { onPub, onReply })
    lastSeq = (await request({ type: 'subscribe', id: 2, channel: 'bench' })).seq
    return { close: () => terminate(ws) }
  },

  async publisher(server, options) {
    const { sink } = options
    const onPub = () => sink.count('pub to a publisher')
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
