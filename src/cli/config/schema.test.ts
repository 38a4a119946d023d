import { describe, expect, it } from 'vitest'
import { didYouMean, editDistance } from './did-you-mean.js'
import { configSchema } from './hubbub-config.js'
import { MASKED, maskSecrets } from './schema.js'

describe('did you mean', () => {
  it('suggests a known word within two edits, case aside', () => {
    expect(editDistance('anonimous', 'anonymous')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
    expect(didYouMean('anonimous', ['anonymous', 'channels'])).toBe('anonymous')
    expect(didYouMean('maxconnections', ['maxConnections', 'maxConnectionsPerIp'])).toBe(
      'maxConnections',
    )
    expect(didYouMean('chanels', ['channels', 'echo'])).toBe('channels')
    expect(didYouMean('colour', ['channels', 'echo'])).toBeUndefined()
  })
})

describe('masking secrets', () => {
  it('masks every secret the schema marks, and only those', () => {
    const config = {
      port: 1,
      secret: 's'.repeat(32),
      apiKey: 'k'.repeat(16),
      engine: { kind: 'redis', redisUrl: 'redis://user:hunter2@redis.internal:6379' },
      jwt: { secret: 'j'.repeat(32), issuer: 'me' },
      webhooks: [
        { url: 'https://u:pw@x/h', events: ['connect'], secret: 'w'.repeat(16) },
        { url: 'https://x/h', events: ['connect'], secret: 'v'.repeat(16) },
      ],
    }
    expect(maskSecrets(configSchema, config)).toEqual({
      port: 1,
      secret: MASKED,
      apiKey: MASKED,
      engine: { kind: 'redis', redisUrl: `redis://user:${MASKED}@redis.internal:6379` },
      jwt: { secret: MASKED, issuer: 'me' },
      webhooks: [
        { url: `https://u:${MASKED}@x/h`, events: ['connect'], secret: MASKED },
        { url: 'https://x/h', events: ['connect'], secret: MASKED },
      ],
    })
  })
})
