import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config-file.js'

describe('config file', () => {
  it('takes channel permissions, identity, origin and limit settings', () => {
    const config = {
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
      [[], 'h.json: : expected an object'],
      [{ anonimous: false }, 'h.json: anonimous: unknown key (known: anonymous, channels,'],
      [{ anonymous: 'no' }, 'h.json: anonymous: expected true or false'],
      [{ requestsPerSecond: 0 }, 'h.json: requestsPerSecond: expected a whole number from 1'],
      [{ pingIntervalMs: 1.5 }, 'h.json: pingIntervalMs: expected a whole number from 1000'],
      [{ allowedOrigins: 'https://x' }, 'h.json: allowedOrigins: expected a list of non-empty'],
      [{ channels: [] }, 'h.json: channels: expected an object of patterns'],
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
