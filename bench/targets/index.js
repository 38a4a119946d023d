/**
 * The targets, in the order they run (interleaved: A B C A B C …). Each is
 * `{ name, describe, unavailable(), start({ root, tmpDir }), subscriber(server, options),
 * publisher(server, options) }`: `unavailable()` says why it cannot run here, if so; `start`
 * resolves with the server process (`pid`, `port`, `stop()`); `subscriber` resolves once the
 * connection is subscribed to the channel `bench`, `publisher` once it can `send(payload)` there.
 * Both take `{ index, localAddress, sockets, sink }` and report to the sink (see run.js); a target
 * of several processes resolves `start` with a group (server-group.js) whose CPU and memory
 * figures sum over them.
 */
import { hubbub, hubbubSqlite } from './hubbub.js'
import { nats } from './nats.js'
import { hubbub2Nodes, hubbubRedis, hubbubWorkers } from './redis.js'
import { socketio } from './socketio.js'
import { ws, wsCork } from './ws.js'

export const targets = [
  hubbub,
  hubbubSqlite,
  hubbubRedis,
  hubbub2Nodes,
  hubbubWorkers,
  ws,
  wsCork,
  socketio,
  nats,
]

/** The baseline of the ratio columns. */
export const BASELINE = 'ws'
