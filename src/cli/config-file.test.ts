import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config-file.js'

describe('config file', () => {
  it('takes channel permissions, identity, origin and limit settings', () => {
    const config = {
      port: 9000,
      logLevel: 'info',
      engine: { kind: 'redis', redisUrl: 'redis://localhost:6379', dataDir: '/var/lib/hubbub' },
      apiKey: '0123456789abcdef0123',
      jwt: { jwksUrl: 'https://auth.example.com/jwks.json', issuer: 'https://auth.example.com' },
      tls: { cert: 'cert.pem', key: 'key.pem' },
      webhooks: [
        {
          url: 'https://backend.example.com/hooks',
          events: ['connect', 'publish'],
          secret: '0123456789abcdef',
          channels: ['orders:*'],
        },
      ],
      maxCounters: 10,
      anonymous: false,
      trustProxy: true,
      allowedOrigins: ['https://app.example.com'],
      publicHosts: ['chat.example.com'],
      requestsPerSecond: 500,
      maxBatchBytes: 0,
      channels: {
        'team:*': { access: { subscribe: 'users', publish: 'owner' }, historySize: 0 },
        'feed:*': { backpressure: 'latest', echo: true },
      },
    }
    expect(parseConfig(structuredClone(config), 'hubbub.json')).toEqual(config)
  })

  it('names the key of every mistake, in one line', () => {
    const cases: [unknown, string][] = [
      [[], 'h.json: (top level): expected an object'],
      [{ anonimous: false }, 'h.json: anonimous: unknown key; did you mean anonymous?'],
      [{ maxconections: 5 }, 'h.json: maxconections: unknown key; did you mean maxConnections?'],
      [
        { colour: 'red' },
        'h.json: colour: unknown key (see the config reference in docs/operations.md)',
      ],
      [{ anonymous: 'no' }, 'h.json: anonymous: expected true or false'],
      [{ requestsPerSecond: 0 }, 'h.json: requestsPerSecond: expected a whole number from 1'],
      [{ maxConnections: '10' }, 'h.json: maxConnections: expected a whole number, 1 or more'],
      [{ pingIntervalMs: 1.5 }, 'h.json: pingIntervalMs: expected a whole number from 1000'],
      [{ allowedOrigins: 'https://x' }, 'h.json: allowedOrigins: expected a list of non-empty'],
      [{ allowedOrigins: ['x.example'] }, 'h.json: allowedOrigins: expected a list of'],
      [
        { channels: { 'a:*': { acess: {} } } },
        'h.json: channels["a:*"].acess: unknown key; did you mean access?',
      ],
      [
        { engine: { kind: 'postgres' } },
        'h.json: engine.kind: expected one of sqlite, memory, redis',
      ],
      [{ engine: { kind: 'redis' } }, 'h.json: engine.redisUrl: missing: kind redis needs'],
      [
        { engine: { redisUrl: 'http://x' } },
        'h.json: engine.redisUrl: expected a redis:// or rediss:// URL',
      ],
      [
        { engine: { kind: 'memory', dataDir: '/d' } },
        'h.json: engine.dataDir: not used with kind memory',
      ],
      [{ apiKey: 'short' }, 'h.json: apiKey: expected a string of at least 16 characters'],
      [
        { jwt: { audience: 'a' } },
        'h.json: jwt: expected exactly one of secret, publicKeyFile, jwksUrl',
      ],
      [{ jwt: { secrt: 'x' } }, 'h.json: jwt.secrt: unknown key; did you mean secret?'],
      [{ tls: { cert: 'c.pem' } }, 'h.json: tls.key: missing: expected a non-empty string'],
      [{ webhooks: {} }, 'h.json: webhooks: expected a list of objects'],
      [
        { webhooks: [{ url: 'https://x/h', events: ['conect'], secret: '0123456789abcdef' }] },
        'h.json: webhooks[0].events: expected a list of connect, disconnect,',
      ],
      [
        { webhooks: [{ url: 'ftp://x/h', events: ['connect'], secret: '0123456789abcdef' }] },
        'h.json: webhooks[0].url: expected an http:// or https:// URL',
      ],
      [
        { webhooks: [{ url: 'https://x/h', events: ['publish'], secret: '0123456789abcdef' }] },
        'h.json: webhooks[0].channels: publish needs channel patterns',
      ],
      [
        { webhooks: [{ url: 'https://x/h', events: ['connect'] }] },
        'h.json: webhooks[0].secret: missing',
      ],
      [{ channels: [] }, 'h.json: channels: expected an object of channel patterns'],
      [
        { channels: { 'a:*': { histroySize: 1 } } },
        'h.json: channels["a:*"].histroySize: unknown key',
      ],
      [
        { channels: { 'a:*': { access: { publish: 'admins' } } } },
        'h.json: channels["a:*"].access.publish: expected one of everyone, users, owner, server',
      ],
      [
        { channels: { 'a:*': { access: { read: 'users' } } } },
        'h.json: channels["a:*"].access.read: unknown key',
      ],
      [
        { channels: { 'a:*': { historySize: -1 } } },
        'h.json: channels["a:*"].historySize: expected',
      ],
      [{ channels: { 'a:*': { canRead: true } } }, 'h.json: channels["a:*"].canRead: unknown key'],
    ]
    for (const [raw, message] of cases) {
      expect(() => parseConfig(raw, 'h.json')).toThrow(ConfigError)
      expect(() => parseConfig(raw, 'h.json')).toThrow(message)
    }
  })
})
