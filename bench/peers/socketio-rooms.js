/**
 * Socket.IO 4 with rooms, websocket transport only, as its docs write a chat: a client emits
 * `join` (acknowledged) to enter the room `bench`; whatever a client emits as `pub` goes to the
 * room as `m`.
 *
 *   node bench/peers/socketio-rooms.js   prints `socket.io listening on http://127.0.0.1:<port>`
 */
import { createServer } from 'node:http'
import process from 'node:process'
import { Server } from 'socket.io'

const http = createServer()
const io = new Server(http, { transports: ['websocket'], serveClient: false })
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    void socket.join(room)
    ack?.(true)
  })
  socket.on('pub', (data) => io.to('bench').emit('m', data))
})
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`socket.io listening on http://127.0.0.1:${http.address().port}\n`)
})
process.once('SIGTERM', () => process.exit(0))
