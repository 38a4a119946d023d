/**
 * Socket.IO 4 (bench/peers/socketio-rooms.js), spoken to over the generator's WebSocket client: engine.io v4
 * packets (`0{…}` open, `2` ping answered with `3`, `4…` messages) carrying socket.io v5 packets
 * (`40` connect to `/`, `42[…]` event, `42<id>[…]` event asking an ack, `43<id>[…]` the ack).
 * A subscriber is subscribed once its `join` is acknowledged.
 */
import process from 'node:process'
import { createPayloadReader, readPayload } from '../scan.js'
import { startProcess } from '../server-process.js'
import { deferred, openSocket, readAt, terminate } from '../socket.js'

const SETUP_TIMEOUT_MS = 10_000
const EVENT = 0x34 // '4': an engine.io message; then '2' a socket.io event, '3' an ack, '0' connect

/**
 * Opens an engine.io websocket and connects to the namespace `/`; `onEvent(buf, from, to)` gets
 * the `42…` packets.
 */
const connect = async (server, options, onEvent) => {
  const { sink } = options
  const connected = deferred(SETUP_TIMEOUT_MS, 'socket.io connect')
  const acked = deferred(SETUP_TIMEOUT_MS, 'join ack')
  const url = `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`
  const ws = await openSocket(url, {
    ...options,
    onMessage: (ws, buf, from, to) => {
      const first = buf[from]
      const second = to - from > 1 ? buf[from + 1] : -1
      if (first === EVENT && second === 0x32) return onEvent(buf, from, to)
      if (first === 0x32 && to - from === 1) return ws.send('3')
      if (first === 0x30) return ws.send('40') // engine.io open: connect to `/`
      if (first === EVENT && second === 0x30) return connected.resolve()
      if (first === EVENT && second === 0x33) return acked.resolve()
      sink.count(`packet ${buf.toString('utf8', from, Math.min(to, from + 2))}`)
    },
    onClose: (code) => {
      connected.reject(new Error(`closed ${code}`))
      acked.reject(new Error(`closed ${code}`))
      sink.closed(code)
    },
  })
  await connected.promise
  return { ws, acked: acked.promise }
}

export const socketio = {
  name: 'socket.io',
  describe: 'node bench/peers/socketio-rooms.js (Socket.IO 4 rooms, websocket only)',
  unavailable: () => undefined,
  start: ({ root }) =>
    startProcess({
      command: process.execPath,
      args: ['bench/peers/socketio-rooms.js'],
      cwd: root,
      readyPattern: /listening on http:\/\/\S+:(\d+)/,
    }),

  async subscriber(server, options) {
    const { sink } = options
    const reader = createPayloadReader()
    const onEvent = (buf, from, to) => {
      if (readPayload(buf, from, to, reader)) sink.deliver(reader.i, reader.t, readAt)
      else sink.count('event without payload')
    }
    const { ws, acked } = await connect(server, options, onEvent)
    ws.send('420["join","bench"]')
    await acked
    return { close: () => terminate(ws) }
  },

  async publisher(server, options) {
    const { sink } = options
    const { ws } = await connect(server, options, () => sink.count('event to a publisher'))
    return { send: (data) => ws.send(`42["pub",${data}]`), close: () => terminate(ws) }
  },
}
