import { describe, expect, it } from 'vitest'
import { clientAddress, hostOfHeader, isHostAllowed } from './host.js'

describe('isHostAllowed', () => {
  it('allows localhost, IP addresses, this machine and the public hosts', () => {
    for (const host of [
      'localhost',
      'localhost:8765',
      'LOCALHOST',
      'app.localhost:3000',
      '127.0.0.1:8765',
      '10.1.2.3',
      '[::1]:8765',
      '[fe80::1]',
      'build-box',
      'Build-Box:8765',
      'build-box.local',
      'chat.example.com',
      'chat.example.com.:443',
    ])
      expect({ host, allowed: isHostAllowed(host, ['chat.example.com'], 'build-box') }).toEqual({
        host,
        allowed: true,
      })
    expect(isHostAllowed(undefined, [], 'm')).toBe(true)
  })

  it('refuses other names, as a DNS rebinding attack sends them, and garbage', () => {
    for (const host of [
      'evil.example',
      'evil.example:8765',
      'localhost.evil.example',
      'chat.example.com.evil.example',
      '127.0.0.1.nip.io',
      'chat.example.com@evil',
      'a b',
      '',
      '[::1',
    ])
      expect({ host, allowed: isHostAllowed(host, ['chat.example.com'], 'build-box') }).toEqual({
        host,
        allowed: false,
      })
    expect(isHostAllowed('evil.example', ['*'], 'm')).toBe(true)
  })

  it('reads the host name out of a header', () => {
    expect(hostOfHeader('Chat.Example.com:8765')).toBe('chat.example.com')
    expect(hostOfHeader('[::1]:80')).toBe('::1')
    expect(hostOfHeader('x:99999999')).toBeUndefined()
  })
})

describe('clientAddress', () => {
  it('takes the last X-Forwarded-For entry only behind a trusted proxy', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.7', false)).toBe('10.0.0.1')
    expect(clientAddress('10.0.0.1', '203.0.113.7', true)).toBe('203.0.113.7')
    // The client may prepend anything; the proxy's own entry is the last one.
    expect(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.7', true)).toBe('203.0.113.7')
    expect(clientAddress('10.0.0.1', ['1.1.1.1', '2001:db8::1'], true)).toBe('2001:db8::1')
    expect(clientAddress('10.0.0.1', 'not-an-ip', true)).toBe('10.0.0.1')
    expect(clientAddress('10.0.0.1', '', true)).toBe('10.0.0.1')
    expect(clientAddress(undefined, undefined, true)).toBe('unknown')
  })
})
