/**
 * The baseline: a minimal broadcast server on the `ws` package, as WebSocket tutorials write it.
 * Clients of `/publish` publish; every message one of them sends goes to every client of `/`, one
 * `ws.send` per message per client. With `--cork`, each client's socket is corked on its first
 * write in an event-loop turn and all are uncorked in one setImmediate, so the writes of one turn
 * leave in one syscall per socket (DESIGN.md §6 "Coalesce writes").
 *
 *   node bench/peers/ws-broadcast.js [--cork]   prints `ws listening on http://127.0.0.1:<port>`
 */
import { createServer } from 'node:http'
import process from 'node:process'
import { WebSocket, WebSocketServer } from 'ws'

const isCorking = process.argv.includes('--cork')
const http = createServer((_req, res) => res.writeHead(404).end())
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
const subscribers = new Set()
/** The net.Socket of each client, which `handleUpgrade` is given: what --cork corks. */
const rawSockets = new WeakMap()
const corked = []

const uncorkAll = () => {
  for (const socket of corked.splice(0)) socket.uncork()
}
const send = (client, data) => {
  if (isCorking) {
    const socket = rawSockets.get(client)
    if (!socket.writableCorked) {
      socket.cork()
      if (corked.push(socket) === 1) setImmediate(uncorkAll)
    }
  }
  client.send(data, { binary: false })
}

http.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    rawSockets.set(ws, socket)
    if (req.url === '/publish') {
      ws.on('message', (data) => {
        for (const client of subscribers)
          if (client.readyState === WebSocket.OPEN) send(client, data)
      })
    } else {
      subscribers.add(ws)
      ws.once('close', () => subscribers.delete(ws))
    }
  })
})
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ws listening on http://127.0.0.1:${http.address().port}\n`)
})
process.once('SIGTERM', () => process.exit(0))
