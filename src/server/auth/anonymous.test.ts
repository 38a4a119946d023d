import { describe, expect, it } from 'vitest'
import { createAnonymousCredentials } from './anonymous.js'

const secret = 'a-test-secret-of-enough-length-0123456789'

describe('anonymous credentials', () => {
  it('issues distinct identities whose credential verifies to the same user', () => {
    const credentials = createAnonymousCredentials(secret)
    const one = credentials.issue()
    const two = credentials.issue()
    expect(one.user).toMatch(/^anon:[A-Za-z0-9_-]{16}$/)
    expect(one.user).not.toBe(two.user)
    expect(credentials.verify(one.credential)).toEqual(one)
  })

  it('refuses what it did not issue: another secret, a public id, tampering, garbage', () => {
    const credentials = createAnonymousCredentials(secret)
    const other = createAnonymousCredentials(`${secret}-other`)
    const { user, credential } = credentials.issue()
    const [version, id, tag] = credential.split('.') as [string, string, string]
    const flipped = `${tag.slice(0, -2)}${tag.endsWith('AA') ? 'AB' : 'AA'}`
    for (const attempt of [
      other.issue().credential,
      user,
      user.slice('anon:'.length),
      `${version}.${id}.${flipped}`,
      `${version}.${id}`,
      `${version}.${id}.${tag}.extra`,
      `a0.${id}.${tag}`,
      `${version}.${id}.${tag.slice(1)}`,
      `${version}.${id}.${tag}=`,
      '',
      '...',
      'a1.\u0000.\u0000',
    ])
      expect(credentials.verify(attempt), attempt).toBeUndefined()
    expect(other.verify(credential)).toBeUndefined()
  })

  it('keeps identities across restarts with the same secret', () => {
    const before = createAnonymousCredentials(secret).issue()
    expect(createAnonymousCredentials(secret).verify(before.credential)?.user).toBe(before.user)
  })
})
