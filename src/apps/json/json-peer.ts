import type { Logger } from 'pino'
import { ReplyError, type TextConnection } from '../../server/index.js'

/** A message a JSON plain client sent: a JSON object with a string `type`, still unchecked beyond that. */
export type JsonMessage = Readonly<Record<string, unknown>> & { readonly type: string }

/** Bad input from a JSON plain client; its message is what the client is told. */
export class JsonInputError extends Error {
  override readonly name = 'JsonInputError'
}

/** A plain WebSocket client that speaks JSON: one object per text message. */
export interface JsonPeer {
  /** Sends `message` as one JSON text message while the connection is open; dropped after. */
  send(message: { readonly type: string; readonly [field: string]: unknown }): void
  /** Sends an already serialised message (one serialisation for many peers), as `send` does. */
  sendRaw(json: string): void
  /** Sends `{"type":"error","message":…}`. */
  error(message: string): void
}

/** Longest piece of a client's `type` quoted back in an error. */
const MAX_QUOTED_TYPE = 40

/** `type` quoted for an error message: clipped, and through JSON.stringify so it reads as one string. */
export const quoteType = (type: string): string => JSON.stringify(type.slice(0, MAX_QUOTED_TYPE))

/** The client's `{"type":"error"}` text for a failed message: what it did wrong, or that we failed. */
const describeFailure = (error: unknown): string | undefined => {
  if (error instanceof JsonInputError || error instanceof ReplyError) return error.message
  return undefined
}

/**
 * Serves `connection` as a JSON plain endpoint: the server's own notices become JSON
 * (`speakJson`), each message is parsed, and one that is not a JSON object with a string `type`
 * gets an error reply and goes no further. `onMessage` gets the others, in order; when it throws
 * or rejects with a {@link JsonInputError} or a `ReplyError` (a refused rpc, e.g. a rate limit)
 * the client gets that message as an error; any other failure is logged and the client told that
 * the server failed. Nothing is ever thrown at the connection.
 */
export const openJsonPeer = (
  connection: TextConnection,
  log: Logger,
  onMessage: (message: JsonMessage, peer: JsonPeer) => void | Promise<void>,
): JsonPeer => {
  connection.speakJson()
  let isOpen = true
  connection.on('close', () => {
    isOpen = false
  })
  const sendRaw = (json: string): void => {
    if (isOpen) connection.send(json)
  }
  const peer: JsonPeer = {
    send: (message) => {
      sendRaw(JSON.stringify(message))
    },
    sendRaw,
    error: (message) => {
      sendRaw(JSON.stringify({ type: 'error', message }))
    },
  }
  const fail = (error: unknown): void => {
    const told = describeFailure(error)
    if (told !== undefined) {
      peer.error(told)
      return
    }
    log.warn({ err: error, path: connection.path }, 'a JSON plain message failed')
    peer.error('the server could not handle that message; try again')
  }
  connection.on('message', (text) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      peer.error('messages must be JSON, e.g. {"type":"…"}')
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      peer.error('messages must be JSON objects, e.g. {"type":"…"}')
      return
    }
    const { type } = value as Record<string, unknown>
    if (typeof type !== 'string') {
      peer.error('messages must have a string "type"')
      return
    }
    try {
      const handled = onMessage(value as JsonMessage, peer)
      if (handled instanceof Promise) handled.catch(fail)
    } catch (error) {
      fail(error)
    }
  })
  return peer
}

/** The error for a `type` the endpoint does not know, naming the ones it does. */
export const unknownType = (type: string, known: readonly string[]): JsonInputError =>
  new JsonInputError(
    `unknown type ${quoteType(type)}; this endpoint takes ${known.map((k) => `"${k}"`).join(', ')}`,
  )
