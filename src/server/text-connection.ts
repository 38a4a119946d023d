import type { Logger } from 'pino'
import { CloseCode } from '../protocol/index.js'
import type { RegisteredText, TextConnection, TextConnectionEvents } from './api.js'
import type { ResolvedOptions } from './options.js'
import { createTokenBucket, createWindowCounter, type WindowCounter } from './rate-limit.js'
import type { Transport } from './transport.js'
import { startHeartbeat } from './heartbeat.js'

/** A served text connection, as the server sees it. */
export interface ServedText {
  /** Graceful shutdown: close 1001. */
  goAway(): void
}

type Listeners = {
  [E in keyof TextConnectionEvents]: Set<(value: TextConnectionEvents[E]) => void>
}

/**
 * Serves one plain WebSocket client (no subprotocol) with a text endpoint. Keeps it honest with
 * WebSocket-level pings, caps what may wait in its send buffer, and rate-limits what it sends;
 * a line longer than `maxPublishBytes` is answered with a `[Server]: ...` line (a JSON error after
 * `speakJson()`) and goes nowhere. The rate is the endpoint's own where it set one, else the
 * server's `requestsPerSecond` and `requestBurst`.
 */
export const serveText = (
  registered: RegisteredText,
  transport: Transport,
  context: {
    path: string
    remoteAddress: string
    options: ResolvedOptions
    logger: Logger
    /** Called once when the connection is gone, with what serveText returned. */
    onClose: (served: ServedText) => void
  },
): ServedText => {
  const { options, logger } = context
  const listeners: Listeners = { message: new Set(), close: new Set() }
  const { endpoint, options: rate } = registered
  const bucket = createTokenBucket(
    rate.messagesPerSecond ?? options.requestsPerSecond,
    rate.messageBurst ?? options.requestBurst,
  )
  // Created on the first refused frame: most clients never send one.
  let limited: WindowCounter | undefined
  let isClosed = false
  let isJson = false

  const close = (code: number = CloseCode.Normal, reason = ''): void => {
    transport.close(code, reason)
  }
  const emit = <E extends keyof TextConnectionEvents>(event: E, value: TextConnectionEvents[E]) => {
    for (const listener of listeners[event])
      try {
        listener(value)
      } catch (err) {
        logger.error({ err, path: context.path }, `text endpoint ${event} listener threw`)
      }
  }

  const heartbeat = startHeartbeat({
    intervalMs: options.pingIntervalMs,
    timeoutMs: options.pongTimeoutMs,
    ping: () => {
      transport.ping()
    },
    onTimeout: () => {
      close(CloseCode.NoPong, `no pong within ${options.pongTimeoutMs} ms`)
    },
  })

  const served: ServedText = {
    goAway() {
      close(CloseCode.GoingAway, 'shutdown')
    },
  }
  const connection: TextConnection = {
    path: context.path,
    remoteAddress: context.remoteAddress,
    send(text) {
      if (isClosed) return
      transport.send(text)
    },
    close,
    speakJson() {
      isJson = true
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>
      set.add(listener)
      return () => set.delete(listener)
    },
  }

  transport.listen({
    message(data) {
      if (isClosed) return
      if (!bucket.take(performance.now())) {
        limited ??= createWindowCounter(options.maxRateLimitedFrames, options.abuseWindowMs)
        if (limited.hit(performance.now())) close(CloseCode.RateLimited, 'rate limit exceeded')
        return
      }
      // The limit a hubbub.v1 publish has: a plain line is published or relayed just as one.
      if (data.length > options.maxPublishBytes) {
        const notice = `Your message was not sent: ${isJson ? 'messages' : 'lines'} are limited to ${options.maxPublishBytes} bytes.`
        transport.send(
          isJson ? JSON.stringify({ type: 'error', message: notice }) : `[Server]: ${notice}`,
        )
        return
      }
      emit('message', data.toString('utf8'))
    },
    close(code, reason) {
      if (isClosed) return
      isClosed = true
      heartbeat.stop()
      emit('close', { code, reason })
      listeners.message.clear()
      listeners.close.clear()
      context.onClose(served)
    },
    drain: () => undefined,
    overflow() {
      close(CloseCode.SlowConsumer, 'slow consumer')
    },
    pong() {
      heartbeat.pong()
    },
    ping: () => undefined,
    error(err) {
      logger.debug({ err, path: context.path }, 'websocket error')
    },
  })

  try {
    endpoint(connection)
  } catch (err) {
    logger.error({ err, path: context.path }, 'text endpoint threw')
    close(CloseCode.Internal, 'internal error')
  }
  return served
}
