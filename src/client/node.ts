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

/** Opens a client; it connects (and reconnects) by itself. */
export const connect = (url: string, options: ClientOptions = {}): Client =>
  new Client(url, { ...options, WebSocket: options.WebSocket ?? nodeWebSocket })
