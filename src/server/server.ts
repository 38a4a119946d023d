import { randomBytes } from 'node:crypto'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createSecureContext } from 'node:tls'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { pino } from 'pino'
import { WebSocketServer } from 'ws'
import { CloseCode, SUBPROTOCOL } from '../protocol/index.js'
import { createMemoryEngine } from '../engine/memory.js'
import type { HubbubServer, RegisteredText } from './api.js'
import { createAnonymousCredentials } from './auth/anonymous.js'
import { createJwtAuthenticator } from './auth/jwt.js'
import { createChannelRules } from './channel-options.js'
import { Connection } from './connection.js'
import { createRequestHandler, refuseUpgrade, sendJson } from './http.js'
import { createApiContext, createApiHandler } from './http-api/index.js'
import { Hub } from './hub.js'
import { createTokenBucket, type TokenBucket } from './rate-limit.js'
import { createHubApi } from './hub-api.js'
import { randomId } from './ids.js'
import {
  MIN_API_KEY_LENGTH,
  MIN_SECRET_LENGTH,
  serverDefaults,
  type ResolvedOptions,
  type ServerOptions,
} from './options.js'
import { clientAddress, isHostAllowed } from './host.js'
import { isOriginAllowed } from './origin.js'
import { serveText } from './text-connection.js'
import { createWsTransport, QueuedWebSocket } from './ws-transport.js'
import { FrameScheduler } from './frame-writer.js'
import { limitFailureLogs } from './failure-log.js'
import { maxOpenSockets } from './open-files.js'
import { PENDING_GRACE_MS, SocketGuard, type GuardClosedReason } from './socket-guard.js'
import { createNodeCounters } from './metrics/node-counters.js'
import { RecentDisconnects } from './metrics/recent-disconnects.js'
import { createMetricsEndpoint } from './metrics/endpoint.js'
import { createReadinessCheck } from './readiness.js'
import { createBearerCheck } from './http-api/bearer.js'
import { createWebhooks, webhookProblem, type Webhooks } from './webhooks/index.js'

/** Paths where `hubbub.v1` clients connect. */
const PROTOCOL_PATHS = new Set(['/', '/ws'])

const resolveOptions = (options: ServerOptions): ResolvedOptions => {
  if (options.secret !== undefined && options.secret.length < MIN_SECRET_LENGTH)
    throw new Error(`secret must be at least ${MIN_SECRET_LENGTH} characters`)
  if (options.apiKey !== undefined && options.apiKey.length < MIN_API_KEY_LENGTH)
    throw new Error(`apiKey must be at least ${MIN_API_KEY_LENGTH} characters`)
  if (options.metricsRequireKey === true && options.apiKey === undefined)
    throw new Error('metricsRequireKey needs an apiKey')
  for (const [index, hook] of (options.webhooks ?? []).entries()) {
    const problem = webhookProblem(hook, `webhooks[${index}]`)
    if (problem !== undefined) throw new Error(problem)
  }
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as ServerOptions
  return {
    ...serverDefaults,
    ...defined,
    engine:
      options.engine ??
      createMemoryEngine({
        maxHistoryBytes: options.maxHistoryBytes ?? serverDefaults.maxHistoryBytes,
      }),
    apps: options.apps ?? [],
    channels: options.channels ?? {},
    nodeId: options.nodeId ?? randomId(6),
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    authenticate:
      options.authenticate ??
      (options.jwt === undefined ? undefined : createJwtAuthenticator(options.jwt)),
    logger: options.logger ?? pino({ level: 'warn' }, pino.destination(2)),
  }
}

/** How long a refused WebSocket may take to answer our close frame before it is destroyed. */
const REFUSAL_GRACE_MS = 2_000

/** What the log says for each socket the guard closes, and which option sets it. */
const GUARD_CLOSED: Record<GuardClosedReason, string> = {
  'pending-headers-per-ip':
    'too many sockets from this address still sending headers (maxPendingHeadersPerIp)',
  'open-files': 'the process is near its open-files limit (reservedFileDescriptors)',
  'headers-timeout': 'its request headers did not arrive in time (headersTimeoutMs)',
}

/** A connection the server can ask to leave at shutdown. */
interface Leaver {
  goAway(retryMs: number): void
}

/**
 * Starts a hubbub server: sets up the apps, starts the engine, and listens. Resolves once it
 * accepts connections; rejects (having released everything) when it cannot listen.
 */
export const createServer = async (options: ServerOptions = {}): Promise<HubbubServer> => {
  const given = resolveOptions(options)
  const failureLog = limitFailureLogs(given.logger, given)
  const resolved: ResolvedOptions = { ...given, logger: failureLog.logger }
  const { logger, engine } = resolved
  const rules = createChannelRules()
  const credentials = createAnonymousCredentials(resolved.secret)
  const textEndpoints = new Map<string, RegisteredText>()
  const counters = createNodeCounters()
  const recentDisconnects = new RecentDisconnects(resolved.maxRecentDisconnects)
  const webhooks: Webhooks | undefined =
    resolved.webhooks.length === 0
      ? undefined
      : createWebhooks(
          resolved.webhooks,
          {
            maxQueuedEvents: resolved.maxQueuedWebhookEvents,
            timeoutMs: resolved.webhookTimeoutMs,
            maxAttempts: resolved.webhookMaxAttempts,
            retryMinMs: resolved.webhookRetryMinMs,
            retryMaxMs: resolved.webhookRetryMaxMs,
          },
          { nodeId: resolved.nodeId, logger },
        )
  const hub = new Hub({
    counters,
    observer: webhooks,
    engine,
    rules,
    logger,
    nodeId: resolved.nodeId,
    presenceTtlMs: resolved.presenceTtlMs,
    catchUpCacheBytes: resolved.catchUpCacheBytes,
    maxPresenceEventsPerSecond: resolved.maxPresenceEventsPerSecond,
  })
  /** Every open connection, with the IP address it counts against. */
  const leavers = new Map<Leaver, string>()
  const api = createHubApi(hub, {
    rules,
    textEndpoints,
    logger,
    stats: () => ({
      connections: leavers.size,
      messagesIn: counters.messagesIn,
      messagesOut: counters.messagesOut,
    }),
  })

  await hub.start()
  // System channels (`sys:metrics`, …) carry what the server says: clients never publish there.
  rules.add('sys:*', { access: { publish: 'server' } })
  for (const app of resolved.apps) await app.setup(api)
  for (const [pattern, channelOptions] of Object.entries(resolved.channels))
    rules.add(pattern, channelOptions)

  const perIp = new Map<string, number>()
  /**
   * Protocol connections not yet through `connect`, with their address; and by address, since
   * when each has waited (oldest first), so that only those past the grace count.
   */
  const awaitingConnect = new Map<Leaver, string>()
  const awaitingPerIp = new Map<string, Map<Leaver, number>>()
  /** How many of `ip`'s connections have awaited `connect` for longer than the grace. */
  const staleAwaiting = (ip: string): number => {
    let stale = 0
    const cutoff = performance.now() - PENDING_GRACE_MS
    for (const since of awaitingPerIp.get(ip)?.values() ?? []) {
      if (since > cutoff) break
      stale += 1
    }
    return stale
  }
  /** Per IP address with connections, their shared new-channel budget. */
  const ipChannelBudgets = new Map<string, TokenBucket>()
  const ipChannelBudget = (ip: string): TokenBucket => {
    let budget = ipChannelBudgets.get(ip)
    if (budget === undefined) {
      budget = createTokenBucket(resolved.newChannelsPerSecondPerIp, resolved.newChannelBurstPerIp)
      ipChannelBudgets.set(ip, budget)
    }
    return budget
  }
  let isClosing = false
  /** Set when shutdown begins, `drainDelayMs` before `isClosing`: `/readyz` answers 503. */
  let isDraining = false
  let onEmpty: (() => void) | undefined

  const track = (ip: string, leaver: Leaver): void => {
    leavers.set(leaver, ip)
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1)
  }
  const awaitConnect = (ip: string, leaver: Leaver): void => {
    awaitingConnect.set(leaver, ip)
    const ofIp = awaitingPerIp.get(ip) ?? new Map<Leaver, number>()
    awaitingPerIp.set(ip, ofIp.set(leaver, performance.now()))
  }
  // Once connected or closed, whichever comes first.
  const connected = (leaver: Leaver): void => {
    const ip = awaitingConnect.get(leaver)
    if (ip === undefined) return
    awaitingConnect.delete(leaver)
    const ofIp = awaitingPerIp.get(ip)
    ofIp?.delete(leaver)
    if (ofIp?.size === 0) awaitingPerIp.delete(ip)
  }
  // One function for every connection's onClose, not a closure per connection.
  const untrack = (leaver: Leaver): void => {
    connected(leaver)
    const ip = leavers.get(leaver)
    if (ip === undefined) return
    leavers.delete(leaver)
    const left = (perIp.get(ip) ?? 1) - 1
    if (left === 0) {
      perIp.delete(ip)
      ipChannelBudgets.delete(ip)
    } else perIp.set(ip, left)
    if (leavers.size === 0) onEmpty?.()
  }
  // The protocol connections' own pair, which also reports them to webhooks.
  const connectionOpened = (connection: Connection): void => {
    connected(connection)
    webhooks?.notify({ type: 'connect', member: connection.member })
  }
  const connectionClosed = (connection: Connection): void => {
    const wasConnected = leavers.has(connection) && !awaitingConnect.has(connection)
    untrack(connection)
    if (wasConnected) webhooks?.notify({ type: 'disconnect', member: connection.member })
  }

  const wss = new WebSocketServer({
    WebSocket: QueuedWebSocket,
    noServer: true,
    clientTracking: false,
    maxPayload: resolved.maxFrameBytes,
    maxFragments: resolved.maxFragmentsPerMessage,
    // ws's own limit on TCP chunks parked while parsing one message, set rather than inherited.
    // (Pongs owed to a client flooding pings stay at ws's bound of 60.)
    maxBufferedChunks: 4_096,
    // Compression costs CPU and memory per socket and invites decompression bombs: off.
    perMessageDeflate: false,
    skipUTF8Validation: false,
    allowSynchronousEvents: true,
    autoPong: true,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  })
  const scheduler = new FrameScheduler(resolved.maxBatchBytes, resolved.maxBufferedBytes, counters)
  /** Protocol connections among `leavers` (the rest are plain text ones). */
  const countProtocol = (): number => {
    let protocol = 0
    for (const leaver of leavers.keys()) if (leaver instanceof Connection) protocol += 1
    return protocol
  }

  const serveRequest = createRequestHandler({
    status: () => ({ node: resolved.nodeId, pid: process.pid, connections: leavers.size }),
    staticDir: resolved.staticDir,
    onError: (err) => {
      logger.error({ err }, 'could not serve a static file')
    },
    readiness: createReadinessCheck(engine, () => isDraining, resolved.readyTimeoutMs),
    metrics: resolved.metrics
      ? createMetricsEndpoint({
          source: {
            counters,
            connections: () => {
              const protocol = countProtocol()
              return { protocol, plain: leavers.size - protocol }
            },
            subscriptions: () =>
              hub.localChannels().reduce((sum, entry) => sum + entry.subscribers, 0),
            webhooks: () => webhooks?.stats() ?? { queued: 0, sent: 0, failed: 0, dropped: 0 },
          },
          isAuthorized:
            resolved.metricsRequireKey && resolved.apiKey !== undefined
              ? createBearerCheck(resolved.apiKey)
              : undefined,
          onError: (err) => {
            logger.error({ err }, 'could not collect the metrics')
          },
        })
      : undefined,
    api: createApiHandler({
      apiKey: resolved.apiKey,
      maxApiBodyBytes: resolved.maxApiBodyBytes,
      logger,
      requestCounts: counters.apiRequests,
      context: createApiContext({
        hub,
        limits: resolved,
        connections: () => leavers.keys(),
        connectionCount: () => leavers.size,
        recentDisconnects,
      }),
    }),
  })
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isHostAllowed(req.headers.host, resolved.publicHosts)) {
      sendJson(
        res,
        403,
        { error: `host ${String(req.headers.host)} is not one this server answers to` },
        { connection: 'close' },
      )
      return
    }
    serveRequest(req, res)
  }
  const httpOptions = {
    maxHeaderSize: resolved.maxHeaderBytes,
    // A socket emits 'drain' only once a write reached its highWaterMark; a connection past
    // sendHighWaterBytes waits for that event to resume, so the two must be the same.
    highWaterMark: resolved.sendHighWaterBytes,
    headersTimeout: resolved.headersTimeoutMs,
    requestTimeout: Math.max(30_000, resolved.headersTimeoutMs),
    // Node checks both deadlines this often (30 s by default, which let sockets linger).
    connectionsCheckingInterval: Math.min(1_000, resolved.headersTimeoutMs),
  }
  const { tls } = resolved
  // https and wss on one port when a certificate is given, else plain http and ws.
  const https =
    tls === undefined
      ? undefined
      : createHttpsServer({ ...httpOptions, cert: tls.cert, key: tls.key }, onRequest)
  const http = https ?? createHttpServer(httpOptions, onRequest)
  const guard = new SocketGuard({
    maxPendingHeadersPerIp: resolved.maxPendingHeadersPerIp,
    headersTimeoutMs: resolved.headersTimeoutMs,
    maxOpenSockets: maxOpenSockets(resolved.reservedFileDescriptors),
    onClosed: ({ reason, ip }) => {
      // Budgeted like every failure line (a flood of these is summarized, not written each
      // time), one budget per reason: the message names it.
      const why = GUARD_CLOSED[reason]
      logger.warn({ err: new Error(why), ip }, `closed a socket before its request: ${why}`)
    },
  })
  // The TCP socket, for http and https alike (before any TLS handshake).
  http.on('connection', (socket: Socket) => {
    guard.admit(socket)
  })
  http.on('request', (req: IncomingMessage) => {
    guard.settled(req.socket)
  })

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    guard.settled(req.socket)
    socket.on('error', (err) => {
      logger.debug({ err }, 'upgrade socket error')
    })
    if (isClosing) {
      refuseUpgrade(socket, 503, 'shutting down')
      return
    }
    if (!isHostAllowed(req.headers.host, resolved.publicHosts)) {
      refuseUpgrade(
        socket,
        403,
        `host ${String(req.headers.host)} is not one this server answers to`,
      )
      return
    }
    if (req.headers['sec-websocket-version'] !== '13') {
      refuseUpgrade(socket, 426, 'only WebSocket version 13 is supported', {
        'Sec-WebSocket-Version': '13',
      })
      return
    }
    if (!isOriginAllowed(req.headers.origin, req.headers.host, resolved.allowedOrigins)) {
      refuseUpgrade(socket, 403, `origin ${String(req.headers.origin)} is not allowed`)
      return
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
    const isProtocol = offered.includes(SUBPROTOCOL)
    const endpoint = isProtocol ? undefined : textEndpoints.get(path)
    if (isProtocol ? !PROTOCOL_PATHS.has(path) : endpoint === undefined) {
      refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}`)
      return
    }
    const ip = clientAddress(
      req.socket.remoteAddress,
      req.headers['x-forwarded-for'],
      resolved.trustProxy,
    )
    const refusal =
      leavers.size >= resolved.maxConnections
        ? 'this node is full'
        : (perIp.get(ip) ?? 0) >= resolved.maxConnectionsPerIp
          ? 'too many connections from your address'
          : endpoint === undefined && staleAwaiting(ip) >= resolved.maxPendingConnectsPerIp
            ? 'too many connections from your address waiting to connect'
            : undefined
    wss.handleUpgrade(req, socket, head, (ws: QueuedWebSocket) => {
      if (refusal !== undefined) {
        // Accept, then close: browsers can read a close code, never an HTTP status.
        ws.close(CloseCode.TryAgainLater, refusal)
        // ws would wait 30 s for the close frame of a peer that never answers.
        setTimeout(() => {
          ws.terminate()
        }, REFUSAL_GRACE_MS).unref()
        return
      }
      const transport = createWsTransport(ws, socket, scheduler, counters)
      if (endpoint === undefined) {
        const connection = new Connection(transport, {
          hub,
          options: resolved,
          logger,
          onClose: connectionClosed,
          onConnected: connectionOpened,
          credentials,
          ipChannelBudget: ipChannelBudget(ip),
          address: ip,
          counters,
          recentDisconnects,
        })
        track(ip, connection)
        if (!connection.isClosed) awaitConnect(ip, connection)
      } else {
        const served = serveText(endpoint, transport, {
          path,
          remoteAddress: ip,
          options: resolved,
          logger,
          onClose: untrack,
        })
        track(ip, served)
      }
    })
  }
  http.on('upgrade', onUpgrade)
  https?.on('tlsClientError', (err) => {
    logger.debug({ err }, 'TLS handshake failed')
  })
  http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Not the error itself: its rawPacket holds what the client sent, tokens and keys included.
    logger.debug({ err: { code: err.code, message: err.message } }, 'bad HTTP request')
    if (socket.writable) refuseUpgrade(socket, 400, 'bad request')
    else socket.destroy()
  })

  const port = await new Promise<number>((resolve, reject) => {
    http.once('error', reject)
    http.listen(resolved.port, resolved.host, () => {
      http.off('error', reject)
      const address = http.address()
      resolve(typeof address === 'object' && address !== null ? address.port : resolved.port)
    })
  }).catch(async (err: unknown) => {
    await hub.stop()
    for (const app of resolved.apps) await app.close?.()
    await engine.close()
    await webhooks?.close(0)
    throw err
  })
  http.on('error', (err) => {
    logger.error({ err }, 'HTTP server error')
  })

  let closing: Promise<void> | undefined
  const shutdown = async (): Promise<void> => {
    isDraining = true
    if (resolved.drainDelayMs > 0)
      await new Promise<void>((resolve) => setTimeout(resolve, resolved.drainDelayMs))
    isClosing = true
    const drained = new Promise<void>((resolve) => {
      onEmpty = resolve
      if (leavers.size === 0) resolve()
    })
    const stopped = new Promise<void>((resolve) => {
      http.close(() => {
        resolve()
      })
    })
    for (const leaver of leavers.keys()) leaver.goAway(Math.random() * resolved.shutdownSpreadMs)
    let deadline: NodeJS.Timeout | undefined
    await Promise.race([
      drained,
      new Promise<void>((resolve) => {
        deadline = setTimeout(resolve, resolved.shutdownTimeoutMs)
      }),
    ])
    clearTimeout(deadline)
    http.closeAllConnections()
    await stopped
    guard.stop()
    await hub.stop()
    for (const app of [...resolved.apps].reverse()) await app.close?.()
    await engine.close()
    await webhooks?.close(resolved.shutdownTimeoutMs)
    failureLog.flush()
  }

  return {
    port,
    url: `${https === undefined ? 'http' : 'https'}://localhost:${port}`,
    hub: api,
    webhookStats: () => webhooks?.stats() ?? { queued: 0, sent: 0, failed: 0, dropped: 0 },
    setTls(next) {
      if (https === undefined) throw new Error('this server was started without TLS')
      // Checked first: a bad pair throws here and the current one stays in use.
      createSecureContext({ cert: next.cert, key: next.key })
      https.setSecureContext({ cert: next.cert, key: next.key })
    },
    close() {
      closing ??= shutdown()
      return closing
    },
  }
}
