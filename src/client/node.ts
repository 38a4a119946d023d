/**
 * The client SDK for Node: as `./index.js`, but `connect` falls back to the `ws` package where
 * Node has no global WebSocket (Node 20). Package consumers get this file through the `node`
 * export condition of `hubbub/client`.
 */
import WebSocket from 'ws'
import { Client, type ClientOptions, type WebSocketConstructor } from './client.js'

export * from './index.js'

const nodeWebSocket =
  (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
  (WebSocket as unknown as WebSocketConstructor)

/**
 * Opens a client; it connects (and reconnects) by itself. Given several URLs (nodes of one
 * cluster), it moves to the next one when an attempt fails or the connection is lost.
 */
export const connect = (urls: string | readonly string[], options: ClientOptions = {}): Client =>
  new Client(urls, { ...options, WebSocket: options.WebSocket ?? nodeWebSocket })
