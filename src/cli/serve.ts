/**
 * `hubbub serve`: runs a server until SIGINT or SIGTERM, then shuts it down gracefully.
 * stdout gets exactly one line, `hubbub listening on <url>`, once the server accepts connections.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bundledApps } from '../apps/index.js'
import { SqliteOpenError } from '../engine/sqlite.js'
import type { Engine } from '../engine/types.js'
import { createServer, serverDefaults, type HubbubServer } from '../server/index.js'
import { createEngine, databaseFile, selectEngineKind } from './engine.js'
import { loadOrCreateSecret, MIN_SECRET_LENGTH, secretFile } from './secret.js'
import { describeListenError } from './listen-error.js'
import { createCliLogger, defaultLogLevel, logLevels, type LogLevel } from './logger.js'
import {
  envValue,
  ExitCode,
  parseChoice,
  parsePort,
  UsageError,
  withUsageErrors,
  type Command,
} from './usage.js'

const NAME = 'serve'
const DEFAULT_PORT = 8765
const DEFAULT_DATA_DIR = './hubbub-data'
/** The largest delay a Node timer takes; past it, `setTimeout` fires at once. */
const MAX_TIMER_MS = 2_147_483_647
const MIN_PING_INTERVAL_MS = 1_000
/** Shortest `--api-key`: a key a person types from memory is too short to be one. */
const MIN_API_KEY_LENGTH = 16

/** The server limits the command line can set: flag, environment variable, range. */
const limitFlags = [
  {
    flag: 'max-connections',
    env: 'HUBBUB_MAX_CONNECTIONS',
    option: 'maxConnections',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
  },
  {
    flag: 'max-connections-per-ip',
    env: 'HUBBUB_MAX_CONNECTIONS_PER_IP',
    option: 'maxConnectionsPerIp',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
  },
  {
    flag: 'ping-interval',
    env: 'HUBBUB_PING_INTERVAL',
    option: 'pingIntervalMs',
    min: MIN_PING_INTERVAL_MS,
    max: MAX_TIMER_MS,
  },
  {
    flag: 'max-api-body-bytes',
    env: 'HUBBUB_MAX_API_BODY_BYTES',
    option: 'maxApiBodyBytes',
    min: 1_024,
    max: Number.MAX_SAFE_INTEGER,
  },
  {
    flag: 'max-broadcast-channels',
    env: 'HUBBUB_MAX_BROADCAST_CHANNELS',
    option: 'maxBroadcastChannels',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
  },
] as const

type Limits = Partial<Record<(typeof limitFlags)[number]['option'], number>>

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
      --log-level <lvl>  ${logLevels.join(', ')}
                         (env HUBBUB_LOG_LEVEL, default ${defaultLogLevel}); logs go to stderr
      --max-connections <n>
                         connections this server accepts; more are closed 1013
                         (env HUBBUB_MAX_CONNECTIONS, default ${serverDefaults.maxConnections})
      --max-connections-per-ip <n>
                         connections from one IP address; more are closed 1013
                         (env HUBBUB_MAX_CONNECTIONS_PER_IP, default ${serverDefaults.maxConnectionsPerIp})
      --ping-interval <ms>
                         how often the server pings each client, ${MIN_PING_INTERVAL_MS} or more
                         (env HUBBUB_PING_INTERVAL, default ${serverDefaults.pingIntervalMs})
      --secret <s>       signs anonymous credentials, ${MIN_SECRET_LENGTH}+ characters (env HUBBUB_SECRET;
                         default: generated once into <data dir>/secret; with --memory,
                         random per run, so anonymous identities end with the process)
      --api-key <key>    turns on the HTTP API at /api/<method> for backends, which must
                         send "Authorization: Bearer <key>"; ${MIN_API_KEY_LENGTH}+ characters
                         (env HUBBUB_API_KEY; default: none, and /api answers 404)
      --max-api-body-bytes <n>
                         largest API request body; larger gets 413
                         (env HUBBUB_MAX_API_BODY_BYTES, default ${serverDefaults.maxApiBodyBytes})
      --max-broadcast-channels <n>
                         most channels one API broadcast names
                         (env HUBBUB_MAX_BROADCAST_CHANNELS, default ${serverDefaults.maxBroadcastChannels})
  -h, --help             show this help

Stop it with Ctrl+C or SIGTERM: clients are told to reconnect later (close 1001) and the
process exits 0. A second signal exits at once with code 1.

Examples:
  hubbub serve
  hubbub serve --port 9000 --log-level info
  hubbub serve --data /var/lib/hubbub
  hubbub serve --memory
  PORT=9000 hubbub serve
  hubbub serve --host 127.0.0.1 --port 0
  hubbub serve --max-connections 50000 --max-connections-per-ip 5000
  HUBBUB_API_KEY=$(openssl rand -hex 24) hubbub serve

Each connection takes a file descriptor: past ~1,000 connections, raise the open files
limit (ulimit -n) above --max-connections.
`

/** What the command line resolved to. */
interface ServeSettings {
  port: number
  host: string | undefined
  memory: boolean
  /** Absolute path of the data directory (unused with `memory`). */
  dataDir: string
  logLevel: LogLevel
  /** Server limits given on the command line or in the environment; the rest keep defaults. */
  limits: Limits
  /** `--secret` or `HUBBUB_SECRET`; undefined: the data directory's (or, with --memory, a random one). */
  secret: string | undefined
  /** `--api-key` or `HUBBUB_API_KEY`; undefined: the HTTP API is off. */
  apiKey: string | undefined
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

/** Resolves flags and environment; flags win. Throws `UsageError` for bad values. */
const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): ServeSettings | 'help' => {
  const { values } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
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
        secret: { type: 'string' },
        'api-key': { type: 'string' },
        'max-api-body-bytes': { type: 'string' },
        'max-broadcast-channels': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const portFlag = values.port
  const portEnv = envValue(env, 'PORT')
  const port =
    portFlag !== undefined
      ? parsePort(portFlag, '--port', NAME)
      : portEnv !== undefined
        ? parsePort(portEnv, 'PORT', NAME)
        : DEFAULT_PORT
  const levelFlag = values['log-level']
  const levelEnv = envValue(env, 'HUBBUB_LOG_LEVEL')
  const logLevel =
    levelFlag !== undefined
      ? parseChoice(levelFlag, logLevels, '--log-level', NAME)
      : levelEnv !== undefined
        ? parseChoice(levelEnv, logLevels, 'HUBBUB_LOG_LEVEL', NAME)
        : defaultLogLevel
  if (values.host === '') throw new UsageError('--host must not be empty', NAME)
  if (values.data === '') throw new UsageError('--data must not be empty', NAME)
  if (values.memory && values.data !== undefined)
    throw new UsageError('--data and --memory exclude each other', NAME)
  const dataDir = resolve(values.data ?? envValue(env, 'HUBBUB_DATA') ?? DEFAULT_DATA_DIR)
  const limits: Limits = {}
  for (const { flag, env: name, option, min, max } of limitFlags) {
    const flagValue = values[flag]
    const envLimit = envValue(env, name)
    if (flagValue !== undefined) limits[option] = parseBounded(flagValue, `--${flag}`, min, max)
    else if (envLimit !== undefined) limits[option] = parseBounded(envLimit, name, min, max)
  }
  const secret = values.secret ?? envValue(env, 'HUBBUB_SECRET')
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH)
    throw new UsageError(
      `${values.secret === undefined ? 'HUBBUB_SECRET' : '--secret'} must be at least ${MIN_SECRET_LENGTH} characters`,
      NAME,
    )
  const apiKey = values['api-key'] ?? envValue(env, 'HUBBUB_API_KEY')
  if (apiKey !== undefined && apiKey.length < MIN_API_KEY_LENGTH)
    throw new UsageError(
      `${values['api-key'] === undefined ? 'HUBBUB_API_KEY' : '--api-key'} must be at least ${MIN_API_KEY_LENGTH} characters`,
      NAME,
    )
  return {
    port,
    host: values.host,
    memory: values.memory,
    dataDir,
    logLevel,
    limits,
    secret,
    apiKey,
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

/** The URL to print: `localhost` unless a specific host was asked for. */
export const displayUrl = (host: string | undefined, port: number): string => {
  if (host === undefined || WILDCARD_HOSTS.has(host)) return `http://localhost:${port}`
  return host.includes(':') && !host.startsWith('[')
    ? `http://[${host}]:${port}`
    : `http://${host}:${port}`
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

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const logger = createCliLogger(settings.logLevel)
  const engineKind = selectEngineKind({ memory: settings.memory })
  let engine: Engine
  try {
    engine = createEngine(engineKind, {
      dataDir: settings.dataDir,
      onError: (err) => {
        logger.error({ err }, 'storage maintenance failed')
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
  let secret = settings.secret
  if (secret === undefined && !settings.memory) {
    try {
      secret = loadOrCreateSecret(settings.dataDir)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      process.stderr.write(
        `hubbub: cannot keep the server secret in ${secretFile(settings.dataDir)}: ${reason}; fix it, or give --secret\n`,
      )
      await engine.close()
      return ExitCode.Runtime
    }
  }
  let server: HubbubServer
  try {
    server = await createServer({
      secret,
      apiKey: settings.apiKey,
      port: settings.port,
      host: settings.host,
      engine,
      apps: bundledApps(),
      staticDir: builtWebApps(),
      logger,
      ...settings.limits,
    })
  } catch (error) {
    const described = describeListenError(error, settings.host, settings.port)
    if (described === undefined) throw error
    process.stderr.write(`hubbub: ${described}\n`)
    return ExitCode.Runtime
  }
  // Handlers go in before the line is printed: whoever waits for it may signal right away.
  const stopped = firstStopSignal()
  process.stdout.write(`hubbub listening on ${displayUrl(settings.host, server.port)}\n`)
  const data = engineKind === 'sqlite' ? databaseFile(settings.dataDir) : undefined
  logger.info({ port: server.port, engine: engineKind, data }, 'listening')
  const signal = await stopped
  logger.info({ signal }, 'shutting down')
  await server.close()
  return ExitCode.Ok
}

export const serve: Command = {
  name: NAME,
  summary: 'run a hubbub server (WebSocket, plain text endpoints, web apps)',
  help,
  run,
}
