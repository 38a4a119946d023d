/**
 * nats-server (the Debian package's /usr/sbin/nats-server) with WebSocket on, spoken to in the
 * NATS text protocol over the generator's WebSocket client. A subscriber sends `SUB bench 1` then `PING`, and is
 * subscribed once the `PONG` comes back (the server handles a connection's protocol in order).
 * Skipped, with a line saying so, where nats-server is not installed.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../free-port.js'
import { createNatsStream } from '../nats-stream.js'
import { createPayloadReader, readPayload } from '../scan.js'
import { startProcess } from '../server-process.js'
import { deferred, openSocket, readAt, terminate } from '../socket.js'

const NATS_SERVER = process.env.BENCH_NATS_SERVER ?? '/usr/sbin/nats-server'
const SETUP_TIMEOUT_MS = 10_000
const CONNECT = JSON.stringify({
  verbose: false,
  pedantic: false,
  lang: 'bench',
  version: '0',
  protocol: 1,
  echo: false,
  headers: false,
  no_responders: false,
})

/** Opens a connection; once the server's INFO came, sends CONNECT, then `setup`, then PING. */
const connect = async (server, options, setup, onMsg) => {
  const { sink } = options
  const ponged = deferred(SETUP_TIMEOUT_MS, 'PONG')
  const send = (ws, text) => ws.send(text, true)
  let socket // the socket, known to the stream reader from its first message on
  const feed = createNatsStream({
    onMsg,
    onLine: (line) => {
      if (line === 'PING') send(socket, 'PONG\r\n')
      else if (line === 'PONG') ponged.resolve()
      else if (line.startsWith('INFO ')) send(socket, `CONNECT ${CONNECT}\r\n${setup}PING\r\n`)
      else if (line !== '+OK') sink.count(line.slice(0, 60))
    },
  })
  const ws = await openSocket(`ws://127.0.0.1:${server.port}/`, {
    ...options,
    onMessage: (ws, buf, from, to) => {
      socket = ws
      feed(buf, from, to)
    },
    onClose: (code) => {
      ponged.reject(new Error(`closed ${code}`))
      sink.closed(code)
    },
  })
  await ponged.promise
  return { ws, send: (text) => send(ws, text) }
}

export const nats = {
  name: 'nats',
  describe: `${NATS_SERVER} with websocket { no_tls: true }`,
  unavailable: () => (existsSync(NATS_SERVER) ? undefined : `${NATS_SERVER} is not installed`),
  async start({ tmpDir }) {
    const [port, wsPort] = [await freePort(), await freePort()]
    const config = join(tmpDir, 'nats.conf')
    writeFileSync(
      config,
      `listen: "127.0.0.1:${port}"\nwebsocket {\n  listen: "127.0.0.1:${wsPort}"\n  no_tls: true\n}\n`,
    )
    const server = await startProcess({
      command: NATS_SERVER,
      args: ['-c', config],
      readyPattern: /Server is ready/,
    })
    server.port = wsPort
    return server
  },

  async subscriber(server, options) {
    const { sink } = options
    const reader = createPayloadReader()
    const onMsg = (buf, from, to) => {
      if (readPayload(buf, from, to, reader)) sink.deliver(reader.i, reader.t, readAt)
      else sink.count('MSG without payload')
    }
    const { ws } = await connect(server, options, 'SUB bench 1\r\n', onMsg)
    return { close: () => terminate(ws) }
  },

  async publisher(server, options) {
    const { sink } = options
    const { ws, send } = await connect(server, options, '', () => sink.count('MSG to a publisher'))
    return {
      send: (data) => send(`PUB bench ${Buffer.byteLength(data)}\r\n${data}\r\n`),
      close: () => terminate(ws),
    }
  },
}
