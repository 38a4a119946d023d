/**
 * `hubbub serve`: runs a server until SIGINT or SIGTERM, then shuts it down gracefully.
 * stdout gets exactly one line, `hubbub listening on <url>`, once the server accepts connections.
 * With `--workers`, this process supervises worker processes (./workers/supervisor.ts) that each
 * run the normal path below, and prints that line once they all listen.
 */
import cluster from 'node:cluster'
import { existsSync, readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bundledApps } from '../apps/index.js'
import { RedisConnectError, redactUrl } from '../engine/redis/index.js'
import { SqliteOpenError, sqliteDefaults } from '../engine/sqlite.js'
import type { Engine } from '../engine/types.js'
import {
  createServer,
  JwtConfigError,
  MIN_API_KEY_LENGTH,
  MIN_SECRET_LENGTH,
  serverDefaults,
  type HubbubServer,
  type JwtOptions,
  type TlsOptions,
} from '../server/index.js'
import { createEngine, databaseFile, isRedisUrl, selectEngineKind } from './engine.js'
import { appLimitFlags, appLimitHelp, type AppLimits } from './app-limits.js'
import { ConfigError, readConfigFile, type ConfigOptions } from './config-file.js'
import { isOrigin } from './config/checks.js'
import { effectiveConfig, printableConfig, type ResolvedServe } from './config/effective-config.js'
import { numericFlags, numericOptions, type NumericOptionKey } from './config/numeric-options.js'
import { Failure } from './failure.js'
import { loadOrCreateSecret, secretFile } from './secret.js'
import { describeListenError } from './listen-error.js'
import { createCliLogger, defaultLogLevel, logLevels } from './logger.js'
import {
  envValue,
  ExitCode,
  parseChoice,
  parsePort,
  UsageError,
  withUsageErrors,
  type Command,
} from './usage.js'
import { linkToPrimary, type DrainReason } from './workers/primary-link.js'
import { superviseWorkers } from './workers/supervisor.js'
import { expandBareWorkersFlag, parseWorkerCount } from './workers/worker-count.js'

const NAME = 'serve'
const DEFAULT_PORT = 8765
const DEFAULT_DATA_DIR = './hubbub-data'

type Limits = Partial<Record<NumericOptionKey, number>>

/**
 * The web apps built by `npm run build` (`dist/web`), found relative to this module so that it is
 * right from `src/cli` and `dist/cli` alike; undefined when they are not built, and the server
 * then shows its small built-in page.
 */
const builtWebApps = (): string | undefined => {
  const dir = fileURLToPath(new URL('../../dist/web', import.meta.url))
  return existsSync(join(dir, 'index.html')) ? dir : undefined
}

const help = `Usage: hubbub serve [options]

Runs a hubbub server: the WebSocket endpoint (subprotocol hubbub.v1, or plain text
on /, /chat, /echo and the other text paths), and the web apps at http://localhost:8765.

Options:
  -p, --port <n>         TCP port; 0 picks a free one (env PORT, default ${DEFAULT_PORT})
      --host <host>      interface to listen on (default: every interface)
      --data <dir>       keep history and state in <dir>/hubbub.db (SQLite), created
                         if missing; they survive restarts, so clients resume
                         (env HUBBUB_DATA, default ${DEFAULT_DATA_DIR})
      --memory           keep everything in memory instead, lost on exit
      --redis <url>      share channels, history, presence and app state with every
                         other node on this Redis: redis://[user:password@]host:port[/db],
                         or rediss:// for TLS (env HUBBUB_REDIS_URL); give every node the
                         same --secret (or one --data) so that they trust one identity
      --workers [<n>]    run <n> worker processes that serve this one port, so that every
                         core works; 'auto' or no value: one per core; needs --redis, which
                         they share; a worker that dies is started again (env HUBBUB_WORKERS;
                         default: no workers, this process serves alone)
      --log-level <lvl>  ${logLevels.join(', ')}
                         (env HUBBUB_LOG_LEVEL, default ${defaultLogLevel}); logs go to stderr
      --max-connections <n>
                         connections this server accepts; more are closed 1013
                         (env HUBBUB_MAX_CONNECTIONS, default ${serverDefaults.maxConnections})
      --max-connections-per-ip <n>
                         connections from one IP address; more are closed 1013
                         (env HUBBUB_MAX_CONNECTIONS_PER_IP, default ${serverDefaults.maxConnectionsPerIp})
      --requests-per-second <n>
                         frames per second one connection may send, sustained
                         (env HUBBUB_REQUESTS_PER_SECOND, default ${serverDefaults.requestsPerSecond})
      --request-burst <n>
                         frames one connection may send at once
                         (env HUBBUB_REQUEST_BURST, default ${serverDefaults.requestBurst})
      --max-pong-bytes <n>
                         largest pong frame, 15 or more; a larger one is an invalid frame
                         (env HUBBUB_MAX_PONG_BYTES, default ${serverDefaults.maxPongBytes})
      --ping-interval <ms>
                         how often the server pings each client, 1000 or more
                         (env HUBBUB_PING_INTERVAL, default ${serverDefaults.pingIntervalMs})
      --secret <s>       signs anonymous credentials, ${MIN_SECRET_LENGTH}+ characters (env HUBBUB_SECRET;
                         default: generated once into <data dir>/secret; with --memory,
                         random per run, so anonymous identities end with the process)
      --jwt-secret <s>   accept JWTs signed HS256/384/512 with <s>, 32+ characters
                         (env HUBBUB_JWT_SECRET; 'hubbub token' mints one for trying)
      --jwt-public-key <file>
                         accept JWTs signed with the key in this PEM file (public key
                         or certificate; RS*, PS*, ES* or EdDSA, as the key's type says)
                         (env HUBBUB_JWT_PUBLIC_KEY)
      --jwt-jwks <url>   accept JWTs signed with a key of this JWKS (fetched, cached,
                         fetched again for an unknown kid) (env HUBBUB_JWT_JWKS)
      --jwt-audience <aud>
                         require this aud claim (env HUBBUB_JWT_AUDIENCE)
      --jwt-issuer <iss> require this iss claim (env HUBBUB_JWT_ISSUER)
      --tls-cert <file>  serve https and wss with this PEM certificate (chain); needs
                         --tls-key; SIGHUP reloads both files (env HUBBUB_TLS_CERT)
      --tls-key <file>   the certificate's PEM private key (env HUBBUB_TLS_KEY)
      --allowed-origin <origin>
                         let browser pages of this origin open WebSockets, e.g.
                         https://app.example.com; repeatable; '*' allows any (env
                         HUBBUB_ALLOWED_ORIGINS, comma-separated; default: the page's
                         own origin and localhost)
      --public-host <name>
                         a host name this server answers to, besides localhost, IP
                         addresses and this machine's name (others get 403, which stops
                         DNS rebinding); repeatable; '*' allows any (env
                         HUBBUB_PUBLIC_HOSTS, comma-separated)
      --trust-proxy      behind a reverse proxy: take the client address from the last
                         X-Forwarded-For entry (env HUBBUB_TRUST_PROXY=1)
      --config <file>    every server option in one JSON file: port, engine, limits,
                         channel rules, auth (jwt, apiKey, secret), tls, webhooks (see
                         the config reference in docs/operations.md); flags and
                         environment win over it (env HUBBUB_CONFIG)
      --print-config     print the config this command line would run with (flags,
                         environment, file and defaults merged; secrets masked) as
                         JSON, and exit
      --api-key <key>    turns on the HTTP API at /api/<method> for backends, which must
                         send "Authorization: Bearer <key>"; ${MIN_API_KEY_LENGTH}+ characters
                         (env HUBBUB_API_KEY; default: none, and /api answers 404)
      --no-metrics       do not serve /metrics (Prometheus text format; default: served,
                         to whoever reaches the port) (env HUBBUB_METRICS=0)
      --metrics-require-key
                         /metrics needs "Authorization: Bearer <api key>" like the API,
                         else 401; needs --api-key (env HUBBUB_METRICS_REQUIRE_KEY=1)
      --drain-delay <ms> at shutdown, /readyz answers 503 this long while the node still
                         serves, before clients are told to leave, so a load balancer
                         stops sending new ones (env HUBBUB_DRAIN_DELAY, default ${serverDefaults.drainDelayMs})
      --ready-timeout <ms>
                         /readyz answers 503 when the engine (Redis) has not answered a
                         ping by then (env HUBBUB_READY_TIMEOUT, default ${serverDefaults.readyTimeoutMs})
      --max-api-body-bytes <n>
                         largest API request body; larger gets 413
                         (env HUBBUB_MAX_API_BODY_BYTES, default ${serverDefaults.maxApiBodyBytes})
      --max-pending-headers-per-ip <n>
                         sockets one IP address may have still sending their HTTP
                         request headers after a second; more are closed
                         (env HUBBUB_MAX_PENDING_HEADERS_PER_IP, default ${serverDefaults.maxPendingHeadersPerIp})
      --max-pending-connects-per-ip <n>
                         WebSockets one IP address may have open over a second before
                         their connect frame; more are closed 1013
                         (env HUBBUB_MAX_PENDING_CONNECTS_PER_IP, default ${serverDefaults.maxPendingConnectsPerIp})
      --presence-ttl <ms>
                         a member whose node stops refreshing it (a node killed, or cut
                         off from Redis) leaves presence this long after the last refresh
                         (env HUBBUB_PRESENCE_TTL, default ${serverDefaults.presenceTtlMs})
      --headers-timeout <ms>
                         a socket that has not sent its request headers by then is closed
                         (env HUBBUB_HEADERS_TIMEOUT, default ${serverDefaults.headersTimeoutMs})
      --reserved-file-descriptors <n>
                         file descriptors kept free under the open-files limit (ulimit -n):
                         past it, sockets still sending headers are closed first
                         (env HUBBUB_RESERVED_FILE_DESCRIPTORS, default ${serverDefaults.reservedFileDescriptors})
      --max-failure-log-lines <n>
                         error lines of one kind logged per window; then one
                         "suppressed N" line (env HUBBUB_MAX_FAILURE_LOG_LINES, default ${serverDefaults.maxFailureLogLines})
      --failure-log-window <ms>
                         the window of --max-failure-log-lines
                         (env HUBBUB_FAILURE_LOG_WINDOW, default ${serverDefaults.failureLogWindowMs})
      --max-broadcast-channels <n>
                         most channels one API broadcast names
                         (env HUBBUB_MAX_BROADCAST_CHANNELS, default ${serverDefaults.maxBroadcastChannels})
      --send-high-water-bytes <n>
                         bytes waiting on a socket past which its channels' backpressure
                         policies apply (env HUBBUB_SEND_HIGH_WATER_BYTES, default ${serverDefaults.sendHighWaterBytes})
      --max-buffered-bytes <n>
                         bytes waiting on a socket past which it is closed 4001
                         (env HUBBUB_MAX_BUFFERED_BYTES, default ${serverDefaults.maxBufferedBytes})
      --catch-up-cache-bytes <n>
                         recent frames kept for lagging readers to catch up from, all
                         channels together; 0 keeps none (env HUBBUB_CATCH_UP_CACHE_BYTES,
                         default ${serverDefaults.catchUpCacheBytes})
      --max-presence-events-per-second <n>
                         join/leave events a channel sends per second; past it, one member list
                         (env HUBBUB_MAX_PRESENCE_EVENTS_PER_SECOND, default ${serverDefaults.maxPresenceEventsPerSecond})
${appLimitHelp()}
      --max-history-bytes <n>
                         bound on kept history; past it the least recently used channels
                         lose their history and start a new epoch (env HUBBUB_MAX_HISTORY_BYTES,
                         default ${sqliteDefaults.maxHistoryBytes} for SQLite: pages in use of the file,
                         ${serverDefaults.maxHistoryBytes} with --memory)
      --new-channels-per-second <n>
                         new channels one connection may create per second, sustained
                         (env HUBBUB_NEW_CHANNELS_PER_SECOND, default ${serverDefaults.newChannelsPerSecond})
      --new-channel-burst <n>
                         new channels one connection may create at once
                         (env HUBBUB_NEW_CHANNEL_BURST, default ${serverDefaults.newChannelBurst})
      --new-channels-per-second-per-ip <n>
                         new channels one IP address may create per second, sustained
                         (env HUBBUB_NEW_CHANNELS_PER_SECOND_PER_IP, default ${serverDefaults.newChannelsPerSecondPerIp})
      --new-channel-burst-per-ip <n>
                         new channels one IP address may create at once
                         (env HUBBUB_NEW_CHANNEL_BURST_PER_IP, default ${serverDefaults.newChannelBurstPerIp})
  -h, --help             show this help

Stop it with Ctrl+C or SIGTERM: clients are told to reconnect later (close 1001) and the
process exits 0. A second signal exits at once with code 1. With --workers, the signal goes to
the first process, which drains every worker, then exits 0 (a second signal kills them).

Examples:
  hubbub serve
  hubbub serve --port 9000 --log-level info
  hubbub serve --data /var/lib/hubbub
  hubbub serve --memory
  hubbub serve --workers --redis redis://localhost:6379
  PORT=9000 hubbub serve
  hubbub serve --host 127.0.0.1 --port 0
  hubbub serve --max-connections 50000 --max-connections-per-ip 5000
  HUBBUB_API_KEY=$(openssl rand -hex 24) hubbub serve

Each connection takes a file descriptor: past ~1,000 connections, raise the open files
limit (ulimit -n) above --max-connections.
`

/** What the command line resolved to: flags, else environment, else the config file. */
interface ServeSettings extends ResolvedServe {
  /** From the `--jwt-*` flags, else the config file; undefined: tokens are refused. */
  jwt: JwtOptions | undefined
  /** Whether `jwt` came from the config file (errors then name its keys, not flags). */
  isJwtFromFile: boolean
  /** `--workers` or `HUBBUB_WORKERS`: this many worker processes; undefined: none. */
  workers: number | undefined
  /** `--print-config`: print the effective config (secrets masked) and exit. */
  isPrintConfig: boolean
}

/**
 * Parses a whole number from `min` to `max`: decimal digits only. `source` names where the value
 * came from (`--ping-interval`, `HUBBUB_PING_INTERVAL`) for the error.
 */
const parseBounded = (value: string, source: string, min: number, max: number): number => {
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!(number >= min && number <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected a whole number ${range}`,
      NAME,
    )
  }
  return number
}

/** One table of numeric limits read from its flags, else their environment variables. */
const readLimits = <Option extends string>(
  table: readonly { flag: string; env: string; option: Option; min: number; max: number }[],
  values: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): Partial<Record<Option, number>> => {
  const limits: Partial<Record<Option, number>> = {}
  for (const { flag, env: name, option, min, max } of table) {
    const flagValue = values[flag]
    const envLimit = envValue(env, name)
    if (typeof flagValue === 'string')
      limits[option] = parseBounded(flagValue, `--${flag}`, min, max)
    else if (envLimit !== undefined) limits[option] = parseBounded(envLimit, name, min, max)
  }
  return limits
}

/** Resolves flags and environment; flags win. Throws `UsageError` for bad values. */
const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): ServeSettings | 'help' => {
  const { values } = withUsageErrors(NAME, () =>
    parseArgs({
      args: expandBareWorkersFlag(args),
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        data: { type: 'string' },
        memory: { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-ip': { type: 'string' },
        'ping-interval': { type: 'string' },
        'requests-per-second': { type: 'string' },
        'request-burst': { type: 'string' },
        'max-pong-bytes': { type: 'string' },
        secret: { type: 'string' },
        'max-pending-headers-per-ip': { type: 'string' },
        'max-pending-connects-per-ip': { type: 'string' },
        'headers-timeout': { type: 'string' },
        'presence-ttl': { type: 'string' },
        redis: { type: 'string' },
        workers: { type: 'string' },
        'reserved-file-descriptors': { type: 'string' },
        'max-failure-log-lines': { type: 'string' },
        'failure-log-window': { type: 'string' },
        'max-presence-events-per-second': { type: 'string' },
        'jwt-secret': { type: 'string' },
        'jwt-public-key': { type: 'string' },
        'jwt-jwks': { type: 'string' },
        'jwt-audience': { type: 'string' },
        'jwt-issuer': { type: 'string' },
        config: { type: 'string' },
        'print-config': { type: 'boolean', default: false },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'allowed-origin': { type: 'string', multiple: true },
        'public-host': { type: 'string', multiple: true },
        'trust-proxy': { type: 'boolean' },
        'api-key': { type: 'string' },
        'no-metrics': { type: 'boolean' },
        'metrics-require-key': { type: 'boolean' },
        'max-api-body-bytes': { type: 'string' },
        'max-broadcast-channels': { type: 'string' },
        'send-high-water-bytes': { type: 'string' },
        'max-buffered-bytes': { type: 'string' },
        'catch-up-cache-bytes': { type: 'string' },
        'max-buzzer-rooms': { type: 'string' },
        'max-buzzer-players-per-source': { type: 'string' },
        'max-counters': { type: 'string' },
        'max-inboxes': { type: 'string' },
        'draw-messages-per-second': { type: 'string' },
        'draw-message-burst': { type: 'string' },
        'max-history-bytes': { type: 'string' },
        'new-channels-per-second': { type: 'string' },
        'new-channel-burst': { type: 'string' },
        'new-channels-per-second-per-ip': { type: 'string' },
        'new-channel-burst-per-ip': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const configFile = values.config ?? envValue(env, 'HUBBUB_CONFIG')
  if (configFile === '') throw new UsageError('--config must not be empty', NAME)
  let config: ConfigOptions = {}
  if (configFile !== undefined)
    try {
      config = readConfigFile(configFile)
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message, NAME)
      throw error
    }
  const portFlag = values.port
  const portEnv = envValue(env, 'PORT')
  const port =
    portFlag !== undefined
      ? parsePort(portFlag, '--port', NAME)
      : portEnv !== undefined
        ? parsePort(portEnv, 'PORT', NAME)
        : (config.port ?? DEFAULT_PORT)
  const levelFlag = values['log-level']
  const levelEnv = envValue(env, 'HUBBUB_LOG_LEVEL')
  const logLevel =
    levelFlag !== undefined
      ? parseChoice(levelFlag, logLevels, '--log-level', NAME)
      : levelEnv !== undefined
        ? parseChoice(levelEnv, logLevels, 'HUBBUB_LOG_LEVEL', NAME)
        : (config.logLevel ?? defaultLogLevel)
  if (values.host === '') throw new UsageError('--host must not be empty', NAME)
  if (values.data === '') throw new UsageError('--data must not be empty', NAME)
  if (values.memory && values.data !== undefined)
    throw new UsageError('--data and --memory exclude each other', NAME)
  const dataFlag = values.data ?? envValue(env, 'HUBBUB_DATA')
  const dataDir = resolve(dataFlag ?? config.engine?.dataDir ?? DEFAULT_DATA_DIR)
  const redisFlag = values.redis ?? envValue(env, 'HUBBUB_REDIS_URL')
  if (redisFlag !== undefined) {
    const what = values.redis === undefined ? 'HUBBUB_REDIS_URL' : '--redis'
    if (!isRedisUrl(redisFlag))
      throw new UsageError(
        `${what} must be a redis:// or rediss:// URL such as redis://localhost:6379`,
        NAME,
      )
    if (values.memory) throw new UsageError(`${what} and --memory exclude each other`, NAME)
  }
  // The engine flags, when any is given, replace the file's engine choice as a whole.
  const isEngineFromFlags = values.memory || redisFlag !== undefined
  const memory = isEngineFromFlags ? values.memory : config.engine?.kind === 'memory'
  const redisUrl = isEngineFromFlags ? redisFlag : config.engine?.redisUrl
  if (memory && dataFlag !== undefined && !isEngineFromFlags)
    throw new UsageError(
      `${values.data === undefined ? 'HUBBUB_DATA' : '--data'} and the config file's engine kind memory exclude each other`,
      NAME,
    )
  const workersFlag = values.workers
  const workersEnv = envValue(env, 'HUBBUB_WORKERS')
  const workersSource = workersFlag !== undefined ? '--workers' : 'HUBBUB_WORKERS'
  const workersValue = workersFlag ?? workersEnv
  const workers =
    workersValue === undefined ? undefined : parseWorkerCount(workersValue, workersSource, NAME)
  if (workers !== undefined && redisUrl === undefined)
    throw new UsageError(
      `${workersSource} needs --redis <url> (or HUBBUB_REDIS_URL): without Redis each worker would be a separate world, with its own channels, history and presence`,
      NAME,
    )
  const limits: Limits = readLimits(numericFlags, values, env)
  const appLimits: AppLimits = readLimits(appLimitFlags, values, env)
  const secret = values.secret ?? envValue(env, 'HUBBUB_SECRET') ?? config.secret
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH)
    throw new UsageError(
      `${values.secret === undefined ? 'HUBBUB_SECRET' : '--secret'} must be at least ${MIN_SECRET_LENGTH} characters`,
      NAME,
    )
  const jwtFlags = resolveJwt(values, env)
  const jwtSettings = jwtFlags ?? config.jwt
  const jwt =
    jwtSettings === undefined
      ? undefined
      : jwtOptions(
          jwtSettings,
          jwtFlags === undefined ? `${configFile}: jwt.publicKeyFile` : '--jwt-public-key',
        )
  const certFile = values['tls-cert'] ?? envValue(env, 'HUBBUB_TLS_CERT')
  const keyFile = values['tls-key'] ?? envValue(env, 'HUBBUB_TLS_KEY')
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError(
      certFile === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key',
      NAME,
    )
  const tlsFiles =
    certFile === undefined || keyFile === undefined ? config.tls : { cert: certFile, key: keyFile }
  if (tlsFiles !== undefined) readTls(tlsFiles, (message) => new UsageError(message, NAME))
  const network: ServeSettings['network'] = {}
  const origins = listFlag(values['allowed-origin'], env, 'HUBBUB_ALLOWED_ORIGINS')
  for (const origin of origins ?? [])
    if (origin !== '*' && !isOrigin(origin))
      throw new UsageError(
        `invalid --allowed-origin ${JSON.stringify(origin)}: expected scheme://host[:port] or *`,
        NAME,
      )
  const allowedOrigins = origins ?? config.allowedOrigins
  if (allowedOrigins !== undefined) network.allowedOrigins = allowedOrigins
  const publicHosts =
    listFlag(values['public-host'], env, 'HUBBUB_PUBLIC_HOSTS') ?? config.publicHosts
  if (publicHosts !== undefined) network.publicHosts = publicHosts
  const trustProxy =
    values['trust-proxy'] ?? parseFlagEnv(env, 'HUBBUB_TRUST_PROXY') ?? config.trustProxy
  if (trustProxy !== undefined) network.trustProxy = trustProxy
  const apiKey = values['api-key'] ?? envValue(env, 'HUBBUB_API_KEY') ?? config.apiKey
  if (apiKey !== undefined && apiKey.length < MIN_API_KEY_LENGTH)
    throw new UsageError(
      `${values['api-key'] === undefined ? 'HUBBUB_API_KEY' : '--api-key'} must be at least ${MIN_API_KEY_LENGTH} characters`,
      NAME,
    )
  const isMetricsOn =
    values['no-metrics'] === true
      ? false
      : (parseFlagEnv(env, 'HUBBUB_METRICS') ?? config.metrics ?? serverDefaults.metrics)
  const requireKeyFrom =
    values['metrics-require-key'] !== undefined
      ? '--metrics-require-key'
      : env.HUBBUB_METRICS_REQUIRE_KEY !== undefined
        ? 'HUBBUB_METRICS_REQUIRE_KEY'
        : 'metricsRequireKey in the config file'
  const isKeyRequired =
    values['metrics-require-key'] ??
    parseFlagEnv(env, 'HUBBUB_METRICS_REQUIRE_KEY') ??
    config.metricsRequireKey ??
    serverDefaults.metricsRequireKey
  if (isKeyRequired && isMetricsOn && apiKey === undefined)
    throw new UsageError(`${requireKeyFrom} needs --api-key (or HUBBUB_API_KEY)`, NAME)
  return {
    metrics: { metrics: isMetricsOn, metricsRequireKey: isKeyRequired },
    port,
    host: values.host ?? config.host,
    memory,
    redisUrl,
    dataDir,
    logLevel,
    limits,
    appLimits,
    secret,
    jwt,
    jwtSettings,
    isJwtFromFile: jwtFlags === undefined && jwtSettings !== undefined,
    config,
    tlsFiles,
    network,
    apiKey,
    workers,
    isPrintConfig: values['print-config'],
  }
}

/** A repeatable flag's values, else its variable's comma-separated ones; undefined: neither. */
const listFlag = (
  values: string[] | undefined,
  env: NodeJS.ProcessEnv,
  name: string,
): string[] | undefined => {
  const list = values ?? envValue(env, name)?.split(',')
  const items = list?.map((item) => item.trim()).filter((item) => item !== '')
  return items === undefined || items.length === 0 ? undefined : items
}

/** A boolean variable: 1/true/yes or 0/false/no. */
const parseFlagEnv = (env: NodeJS.ProcessEnv, name: string): boolean | undefined => {
  const value = envValue(env, name)?.toLowerCase()
  if (value === undefined) return undefined
  if (['1', 'true', 'yes'].includes(value)) return true
  if (['0', 'false', 'no'].includes(value)) return false
  throw new UsageError(`invalid ${name} ${JSON.stringify(value)}: expected 1 or 0`, NAME)
}

/** Reads the certificate and key files; `fail` makes the error for an unreadable or bad pair. */
const readTls = (
  files: { cert: string; key: string },
  fail: (message: string) => Error,
): TlsOptions => {
  const read = (file: string, flag: string): string => {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      throw fail(
        `cannot read ${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
  const tls = { cert: read(files.cert, '--tls-cert'), key: read(files.key, '--tls-key') }
  try {
    createSecureContext(tls)
  } catch (error) {
    throw fail(
      `--tls-cert ${files.cert} and --tls-key ${files.key} are not a usable pair: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return tls
}

type JwtFlag = 'jwt-secret' | 'jwt-public-key' | 'jwt-jwks' | 'jwt-audience' | 'jwt-issuer'

/** JWT settings as the config file writes them (a key file's path, not its contents). */
type JwtSettings = NonNullable<ConfigOptions['jwt']>

/**
 * The `--jwt-*` flags (or their environment variables) as JWT settings; one key source at most.
 * Undefined when none is given: the config file's `jwt`, if any, then applies as a whole.
 */
const resolveJwt = (
  values: Partial<Record<JwtFlag, string>>,
  env: NodeJS.ProcessEnv,
): JwtSettings | undefined => {
  const read = (flag: JwtFlag): { source: string; value: string } | undefined => {
    const name = `HUBBUB_${flag.replaceAll('-', '_').toUpperCase()}`
    const value = values[flag] ?? envValue(env, name)
    if (value === '') throw new UsageError(`--${flag} must not be empty`, NAME)
    return value === undefined
      ? undefined
      : { source: values[flag] === undefined ? name : `--${flag}`, value }
  }
  const secret = read('jwt-secret')
  const keyFile = read('jwt-public-key')
  const jwks = read('jwt-jwks')
  const sources = [secret, keyFile, jwks].filter((source) => source !== undefined)
  if (sources.length > 1)
    throw new UsageError(
      `${sources.map((source) => source.source).join(' and ')} exclude each other: give one key source`,
      NAME,
    )
  const audience = read('jwt-audience')
  const issuer = read('jwt-issuer')
  if (sources.length === 0) {
    const stray = audience ?? issuer
    if (stray !== undefined)
      throw new UsageError(
        `${stray.source} needs --jwt-secret, --jwt-public-key or --jwt-jwks`,
        NAME,
      )
    return undefined
  }
  const jwt: JwtSettings = {}
  if (secret !== undefined) jwt.secret = secret.value
  if (jwks !== undefined) jwt.jwksUrl = jwks.value
  if (keyFile !== undefined) jwt.publicKeyFile = keyFile.value
  if (audience !== undefined) jwt.audience = audience.value
  if (issuer !== undefined) jwt.issuer = issuer.value
  return jwt
}

/** JWT settings as server options: reads the public key file; `source` names it in errors. */
const jwtOptions = (settings: JwtSettings, source: string): JwtOptions => {
  const { publicKeyFile, ...rest } = settings
  const jwt: JwtOptions = { ...rest }
  if (publicKeyFile !== undefined)
    try {
      jwt.publicKey = readFileSync(publicKeyFile, 'utf8')
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new UsageError(`cannot read ${source} ${publicKeyFile}: ${reason}`, NAME)
    }
  return jwt
}

/** The keys of `object` among `keys` that are set. */
const pickDefined = <K extends string>(
  object: Partial<Record<K, number>>,
  keys: readonly K[],
): Partial<Record<K, number>> => {
  const picked: Partial<Record<K, number>> = {}
  for (const key of keys) if (object[key] !== undefined) picked[key] = object[key]
  return picked
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

/** The URL to print: `localhost` unless a specific host was asked for. */
export const displayUrl = (host: string | undefined, port: number, isTls = false): string => {
  const scheme = isTls ? 'https' : 'http'
  if (host === undefined || WILDCARD_HOSTS.has(host)) return `${scheme}://localhost:${port}`
  return host.includes(':') && !host.startsWith('[')
    ? `${scheme}://[${host}]:${port}`
    : `${scheme}://${host}:${port}`
}

/**
 * On SIGHUP, reads the certificate and key files again and swaps them in for new connections; a
 * pair that cannot be read or used is logged and the current one kept. Returns the unsubscriber.
 */
const reloadTlsOnHangup = (
  server: HubbubServer,
  files: { cert: string; key: string },
  logger: ReturnType<typeof createCliLogger>,
): (() => void) => {
  const reload = (): void => {
    try {
      server.setTls(readTls(files, (message) => new Error(message)))
      logger.info({ cert: files.cert }, 'TLS certificate reloaded')
    } catch (error) {
      logger.error({ err: error }, 'TLS certificate not reloaded; keeping the current one')
    }
  }
  process.on('SIGHUP', reload)
  return () => {
    process.off('SIGHUP', reload)
  }
}

/**
 * Resolves once the process has been asked to stop (SIGINT or SIGTERM). From then on, a second
 * signal exits at once with code 1, without waiting for the graceful shutdown.
 */
const firstStopSignal = (): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      const forceExit = (): void => {
        process.stderr.write('hubbub: second signal, exiting without waiting\n')
        process.exit(ExitCode.Runtime)
      }
      process.once('SIGINT', forceExit)
      process.once('SIGTERM', forceExit)
      resolve(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })

/**
 * The secret that signs anonymous credentials: `--secret`'s, else the data directory's (created
 * the first time), else (with `--memory`) undefined, and the server makes one up. Throws a
 * `Failure` when the data directory cannot keep one.
 */
const serverSecret = (settings: ServeSettings): string | undefined => {
  if (settings.secret !== undefined || settings.memory) return settings.secret
  try {
    return loadOrCreateSecret(settings.dataDir)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Failure(
      `cannot keep the server secret in ${secretFile(settings.dataDir)}: ${reason}; fix it, or give --secret`,
    )
  }
}

/**
 * The primary of `--workers`: the workers run this same command line, and all get the one secret
 * (through their environment, never the log) so that a credential issued by one is honoured by
 * every other.
 */
const superviseFromSettings = (
  settings: ServeSettings,
  workers: number,
  logger: ReturnType<typeof createCliLogger>,
): Promise<ExitCode> => {
  const secret = serverSecret(settings)
  return superviseWorkers({
    workers,
    port: settings.port,
    argv: process.argv.slice(1),
    env: settings.secret === undefined && secret !== undefined ? { HUBBUB_SECRET: secret } : {},
    logger,
    forwardHangup: settings.tlsFiles !== undefined,
  })
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  if (settings.isPrintConfig) {
    process.stdout.write(`${printableConfig(effectiveConfig(settings))}\n`)
    return ExitCode.Ok
  }
  const logger = createCliLogger(settings.logLevel)
  if (settings.workers !== undefined && cluster.isPrimary)
    return superviseFromSettings(settings, settings.workers, logger)
  // Set up before the server starts, so that a primary that dies meanwhile is noticed.
  const primary = linkToPrimary()
  const engineKind = selectEngineKind({ memory: settings.memory, redisUrl: settings.redisUrl })
  let engine: Engine
  try {
    engine = createEngine(engineKind, {
      dataDir: settings.dataDir,
      redisUrl: settings.redisUrl,
      maxHistoryBytes: settings.limits.maxHistoryBytes ?? settings.config.maxHistoryBytes,
      onError: (err) => {
        logger.error(
          { err },
          engineKind === 'redis' ? 'redis engine error' : 'storage maintenance failed',
        )
      },
    })
  } catch (error) {
    if (!(error instanceof SqliteOpenError)) throw error
    const { file, reason, fix } = error
    process.stderr.write(
      `hubbub: cannot open ${file}: ${reason}; ${fix} or start with --data <another dir>\n`,
    )
    return ExitCode.Runtime
  }
  let secret: string | undefined
  try {
    secret = serverSecret(settings)
  } catch (error) {
    await engine.close()
    throw error
  }
  const { config } = settings
  let server: HubbubServer
  try {
    server = await createServer({
      ...pickDefined(
        config,
        numericOptions.map(({ option }) => option),
      ),
      channels: config.channels,
      anonymous: config.anonymous,
      webhooks: config.webhooks,
      ...settings.network,
      tls:
        settings.tlsFiles === undefined
          ? undefined
          : readTls(settings.tlsFiles, (m) => new Error(m)),
      secret,
      jwt: settings.jwt,
      apiKey: settings.apiKey,
      ...settings.metrics,
      port: settings.port,
      host: settings.host,
      engine,
      apps: bundledApps({
        ...pickDefined(
          config,
          appLimitFlags.map(({ option }) => option),
        ),
        ...settings.appLimits,
      }),
      staticDir: builtWebApps(),
      logger,
      ...settings.limits,
    })
  } catch (error) {
    if (error instanceof RedisConnectError) {
      process.stderr.write(`hubbub: ${error.message}; start Redis or fix --redis\n`)
      return ExitCode.Runtime
    }
    if (error instanceof JwtConfigError) {
      await engine.close()
      if (settings.isJwtFromFile) throw new UsageError(`config file: ${error.message}`, NAME)
      const flag = { secret: '--jwt-secret', publicKey: '--jwt-public-key', jwksUrl: '--jwt-jwks' }
      throw new UsageError(
        error.message.replace(
          /^jwt\.(secret|publicKey|jwksUrl)/,
          (_match, key: keyof typeof flag) => flag[key],
        ),
        NAME,
      )
    }
    const described = describeListenError(error, settings.host, settings.port)
    if (described === undefined) throw error
    process.stderr.write(`hubbub: ${described}\n`)
    return ExitCode.Runtime
  }
  // Handlers go in before the line is printed: whoever waits for it may signal right away.
  const signalled = firstStopSignal()
  const stopped: Promise<{ signal: NodeJS.Signals } | { reason: DrainReason }> = Promise.race([
    signalled.then((signal) => ({ signal })),
    ...(primary === undefined ? [] : [primary.drainRequested.then((reason) => ({ reason }))]),
  ])
  const stopReloading =
    settings.tlsFiles === undefined
      ? undefined
      : reloadTlsOnHangup(server, settings.tlsFiles, logger)
  const url = displayUrl(settings.host, server.port, settings.tlsFiles !== undefined)
  if (primary === undefined) process.stdout.write(`hubbub listening on ${url}\n`)
  else
    primary.reportListening(url, server.port).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not tell the primary that this worker listens')
    })
  const data =
    engineKind === 'sqlite'
      ? databaseFile(settings.dataDir)
      : engineKind === 'redis' && settings.redisUrl !== undefined
        ? redactUrl(settings.redisUrl)
        : undefined
  logger.info({ port: server.port, engine: engineKind, data }, 'listening')
  const cause = await stopped
  stopReloading?.()
  logger.info(cause, 'shutting down')
  await server.close()
  return ExitCode.Ok
}

export const serve: Command = {
  name: NAME,
  summary: 'run a hubbub server (WebSocket, plain text endpoints, web apps)',
  help,
  run,
}
