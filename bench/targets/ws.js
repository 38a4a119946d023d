/**
 * The raw `ws` broadcast server of bench/peers/ws-broadcast.js, plain and corked: the payload is
 * the whole message, both ways. A subscriber is subscribed once its socket is open.
 */
import process from 'node:process'
import { createPayloadReader, readPayload } from '../scan.js'
import { startProcess } from '../server-process.js'
import { openSocket, readAt, terminate } from '../socket.js'

const wsTarget = (name, peerArgs) => ({
  name,
  describe: `node bench/peers/ws-broadcast.js ${peerArgs.join(' ')}`.trim(),
  unavailable: () => undefined,
  start: ({ root }) =>
    startProcess({
      command: process.execPath,
      args: ['bench/peers/ws-broadcast.js', ...peerArgs],
      cwd: root,
      readyPattern: /listening on http:\/\/\S+:(\d+)/,
    }),

  async subscriber(server, options) {
    const { sink } = options
    const reader = createPayloadReader()
    const ws = await openSocket(`ws://127.0.0.1:${server.port}/`, {
      ...options,
      onMessage: (_ws, buf, from, to) => {
        if (readPayload(buf, from, to, reader)) sink.deliver(reader.i, reader.t, readAt)
        else sink.count('message without payload')
      },
      onClose: (code) => sink.closed(code),
    })
    return { close: () => terminate(ws) }
  },

  async publisher(server, options) {
    const { sink } = options
    const ws = await openSocket(`ws://127.0.0.1:${server.port}/publish`, {
      ...options,
      onMessage: () => sink.count('message to a publisher'),
      onClose: (code) => sink.closed(code),
    })
    return { send: (data) => ws.send(data), close: () => terminate(ws) }
  },
})

export const ws = wsTarget('ws', [])
export const wsCork = wsTarget('ws-cork', ['--cork'])
