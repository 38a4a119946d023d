/**
 * The config file of `hubbub serve --config`: every key, its type, default and override, in one
 * schema. The validator, the `HubbubConfig` type and the docs table all come from it.
 */
import {
  HUB_EVENT_TYPES,
  MIN_API_KEY_LENGTH,
  MIN_SECRET_LENGTH,
  MIN_WEBHOOK_SECRET_LENGTH,
  serverDefaults,
} from '../../server/index.js'
import { appLimitFlags } from '../app-limits.js'
import { logLevels } from '../logger.js'
import { checkHttpUrl, checkOrigin, checkRedisUrl, maskUrlPassword } from './checks.js'
import { flagEnv, numericOptions, type NumericOptionKey } from './numeric-options.js'
import type { Infer, Schema } from './schema.js'

type IntegerSchema = Extract<Schema, { kind: 'integer' }>

const overrideText = (flag: string | undefined, env: string): string =>
  flag === undefined ? env : `--${flag}, ${env}`

const numericFields = Object.fromEntries(
  numericOptions.map(({ option, min, max, doc, ...rest }) => {
    const flag = 'flag' in rest ? rest.flag : undefined
    const field: IntegerSchema = {
      kind: 'integer',
      min,
      max,
      doc,
      defaultText: String(serverDefaults[option]),
      ...(flag === undefined ? {} : { override: overrideText(flag, flagEnv(flag)) }),
    }
    return [option, field]
  }),
) as Record<NumericOptionKey, IntegerSchema>

type AppLimitKey = (typeof appLimitFlags)[number]['option']
const appLimitFields = Object.fromEntries(
  appLimitFlags.map(({ option, min, max, help, flag, env, defaultValue }) => {
    const field: IntegerSchema = {
      kind: 'integer',
      min,
      max,
      doc: help,
      defaultText: String(defaultValue),
      override: overrideText(flag, env),
    }
    return [option, field]
  }),
) as Record<AppLimitKey, IntegerSchema>

const ACCESS = { kind: 'choice', choices: ['everyone', 'users', 'owner', 'server'] } as const

const channelSchema = {
  kind: 'object',
  fields: {
    historySize: {
      kind: 'integer',
      min: 0,
      max: 1_000_000,
      doc: 'publications kept for history and resume',
      defaultText: '100',
    },
    historyTtlMs: {
      kind: 'integer',
      min: 1,
      max: 2_147_483_647,
      doc: 'how long a kept publication stays recoverable',
      defaultText: '600000',
    },
    presence: { kind: 'boolean', doc: 'keep a member list', defaultText: 'true' },
    joinLeave: { kind: 'boolean', doc: 'send join and leave events', defaultText: 'false' },
    echo: {
      kind: 'boolean',
      doc: 'deliver a publication to its publisher too',
      defaultText: 'false',
    },
    backpressure: {
      kind: 'choice',
      choices: ['recover', 'latest', 'drop'],
      doc: 'slow-socket policy',
      defaultText: 'recover',
    },
    signalBackpressure: {
      kind: 'choice',
      choices: ['latest', 'drop'],
      doc: 'signals to a full socket',
    },
    dedupWindowMs: {
      kind: 'integer',
      min: 0,
      max: 2_147_483_647,
      doc: 'how long a publish key is remembered',
      defaultText: '120000',
    },
    access: {
      kind: 'object',
      doc: 'who may do what (docs/security.md)',
      fields: {
        subscribe: { ...ACCESS, defaultText: 'everyone' },
        publish: { ...ACCESS, defaultText: 'everyone' },
        presence: { ...ACCESS, defaultText: 'everyone' },
        history: { ...ACCESS, defaultText: 'everyone' },
      },
    },
  },
} as const satisfies Schema

const webhookSchema = {
  kind: 'object',
  fields: {
    url: {
      kind: 'string',
      isRequired: true,
      check: checkHttpUrl,
      isSecret: true,
      mask: maskUrlPassword,
      doc: 'where events are POSTed',
    },
    events: {
      kind: 'list',
      isRequired: true,
      items: { kind: 'choice', choices: HUB_EVENT_TYPES },
      doc: 'which events it gets',
    },
    secret: {
      kind: 'string',
      isRequired: true,
      isSecret: true,
      minLength: MIN_WEBHOOK_SECRET_LENGTH,
      doc: 'HMAC-SHA256 key of X-Hubbub-Signature',
    },
    channels: {
      kind: 'list',
      items: { kind: 'string' },
      doc: 'channel patterns its channel events are for (required with publish)',
      defaultText: 'every channel',
    },
  },
} as const satisfies Schema

/** The schema of the whole file. */
export const configSchema = {
  kind: 'object',
  fields: {
    port: {
      kind: 'integer',
      min: 0,
      max: 65_535,
      doc: 'TCP port; 0 picks a free one',
      defaultText: '8765',
      override: '--port, PORT',
    },
    host: {
      kind: 'string',
      doc: 'interface to listen on',
      defaultText: 'every interface',
      override: '--host',
    },
    logLevel: {
      kind: 'choice',
      choices: logLevels,
      doc: 'log level (stderr, JSON)',
      defaultText: 'warn',
      override: '--log-level, HUBBUB_LOG_LEVEL',
    },
    engine: {
      kind: 'object',
      doc: 'storage: SQLite in dataDir, memory, or Redis (several nodes)',
      fields: {
        kind: {
          kind: 'choice',
          choices: ['sqlite', 'memory', 'redis'],
          doc: 'which engine',
          defaultText: 'redis with redisUrl, else sqlite',
          override: '--memory, --redis',
        },
        dataDir: {
          kind: 'string',
          doc: 'the SQLite database and the server secret live here',
          defaultText: './hubbub-data',
          override: '--data, HUBBUB_DATA',
        },
        redisUrl: {
          kind: 'string',
          check: checkRedisUrl,
          isSecret: true,
          mask: maskUrlPassword,
          doc: 'Redis URL (its password is masked)',
          override: '--redis, HUBBUB_REDIS_URL',
        },
      },
    },
    secret: {
      kind: 'string',
      minLength: MIN_SECRET_LENGTH,
      isSecret: true,
      doc: 'signs anonymous credentials',
      defaultText: "the data directory's",
      override: '--secret, HUBBUB_SECRET',
    },
    apiKey: {
      kind: 'string',
      minLength: MIN_API_KEY_LENGTH,
      isSecret: true,
      doc: 'bearer key of the HTTP API',
      defaultText: 'none: /api answers 404',
      override: '--api-key, HUBBUB_API_KEY',
    },
    jwt: {
      kind: 'object',
      doc: 'verify connect tokens as JWTs: one of secret, publicKeyFile, jwksUrl',
      override: '--jwt-* (as a whole)',
      fields: {
        secret: {
          kind: 'string',
          minLength: MIN_SECRET_LENGTH,
          isSecret: true,
          doc: 'HS256/384/512 secret',
          override: '--jwt-secret, HUBBUB_JWT_SECRET',
        },
        publicKeyFile: {
          kind: 'string',
          doc: 'PEM public key file (RS*, PS*, ES*, EdDSA)',
          override: '--jwt-public-key, HUBBUB_JWT_PUBLIC_KEY',
        },
        jwksUrl: {
          kind: 'string',
          check: checkHttpUrl,
          doc: 'JWKS URL (http or https)',
          override: '--jwt-jwks, HUBBUB_JWT_JWKS',
        },
        audience: {
          kind: 'string',
          doc: 'required aud',
          defaultText: 'not checked',
          override: '--jwt-audience, HUBBUB_JWT_AUDIENCE',
        },
        issuer: {
          kind: 'string',
          doc: 'required iss',
          defaultText: 'not checked',
          override: '--jwt-issuer, HUBBUB_JWT_ISSUER',
        },
        clockToleranceMs: {
          kind: 'integer',
          min: 0,
          max: 2_147_483_647,
          doc: 'clock skew allowed on exp and nbf',
          defaultText: '5000',
        },
        jwksCooldownMs: {
          kind: 'integer',
          min: 0,
          max: 2_147_483_647,
          doc: 'after a JWKS fetch, unknown kids are refused this long',
          defaultText: '30000',
        },
      },
    },
    tls: {
      kind: 'object',
      doc: 'serve https and wss; SIGHUP reloads the files',
      override: '--tls-cert, --tls-key',
      fields: {
        cert: {
          kind: 'string',
          isRequired: true,
          doc: 'PEM certificate file',
          override: '--tls-cert, HUBBUB_TLS_CERT',
        },
        key: {
          kind: 'string',
          isRequired: true,
          doc: 'PEM private key file',
          override: '--tls-key, HUBBUB_TLS_KEY',
        },
      },
    },
    anonymous: {
      kind: 'boolean',
      doc: 'accept connections without a token',
      defaultText: 'true',
    },
    allowedOrigins: {
      kind: 'list',
      items: { kind: 'string', check: checkOrigin },
      doc: "origins allowed to open WebSockets, besides the page's own",
      defaultText: '[]',
      override: '--allowed-origin, HUBBUB_ALLOWED_ORIGINS',
    },
    publicHosts: {
      kind: 'list',
      items: { kind: 'string' },
      doc: 'host names this server answers to',
      defaultText: '[]',
      override: '--public-host, HUBBUB_PUBLIC_HOSTS',
    },
    trustProxy: {
      kind: 'boolean',
      doc: 'take the client address from X-Forwarded-For',
      defaultText: 'false',
      override: '--trust-proxy, HUBBUB_TRUST_PROXY',
    },
    metrics: {
      kind: 'boolean',
      doc: 'serve /metrics (Prometheus text format)',
      defaultText: 'true',
      override: '--no-metrics, HUBBUB_METRICS',
    },
    metricsRequireKey: {
      kind: 'boolean',
      doc: '/metrics needs the API key, like /api',
      defaultText: 'false',
      override: '--metrics-require-key, HUBBUB_METRICS_REQUIRE_KEY',
    },
    channels: {
      kind: 'record',
      keyName: 'channel pattern',
      values: channelSchema,
      doc: 'channel options by name pattern (`*` matches any run)',
    },
    webhooks: {
      kind: 'list',
      items: webhookSchema,
      doc: 'receivers of signed event POSTs',
      defaultText: '[]',
    },
    ...numericFields,
    ...appLimitFields,
  },
} as const satisfies Schema

/** What a config file holds, once validated. */
export type HubbubConfig = Infer<typeof configSchema>
