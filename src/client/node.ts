/**
 * The client SDK for Node: as `./index.js`, but `connect` falls back to the `ws` package where
 * Node has no global WebSocket (Node 20). Package consumers get this file through the `node`
 * export condition of `hubbub/client`.
 */
import type { ClientRequest, IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { Client, type ClientOptions, type WebSocketConstructor } from './client.js'
import { UpgradeRefusedError } from './connect-failure.js'

export * from './index.js'

/**
 * `ws`, failing a refused upgrade with an {@link UpgradeRefusedError} that carries the HTTP
 * status (plain `ws` fails it with a message only), so that the client's `disconnected` event can
 * say `cause: { kind: 'http', status }`. DNS and TCP failures keep their system `code`.
 */
export class NodeWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols)
    this.once('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
      response.resume()
      // ws turns a request error into its own `error` and a 1006 close.
      request.destroy(new UpgradeRefusedError(response.statusCode ?? 0))
    })
  }
}

const nodeWebSocket =
  (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
  (NodeWebSocket as unknown as WebSocketConstructor)

/**
 * Opens a client; it connects (and reconnects) by itself. Given several URLs (nodes of one
 * cluster), it moves to the next one when an attempt fails or the connection is lost.
 */
export const connect = (urls: string | readonly string[], options: ClientOptions = {}): Client =>
  new Client(urls, { ...options, WebSocket: options.WebSocket ?? nodeWebSocket })
