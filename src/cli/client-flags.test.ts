import { describe, expect, it } from 'vitest'
import { DEFAULT_URL, parseServerUrl, resolveName, resolveServerUrl } from './client-flags.js'
import { UsageError } from './usage.js'

describe('parseServerUrl', () => {
  it.each([
    ['ws://localhost:8765', 'ws://localhost:8765'],
    ['wss://hub.example.com/ws', 'wss://hub.example.com/ws'],
    ['http://localhost:8765', 'ws://localhost:8765'],
    ['HTTPS://hub.example.com', 'wss://hub.example.com'],
  ])('%s becomes %s', (given, url) => {
    expect(parseServerUrl(given, '--url', 'sub')).toBe(url)
  })

  it.each(['localhost:8765', 'ftp://x', 'nonsense', 'ws://'])('%s is a usage error', (given) => {
    expect(() => parseServerUrl(given, '--url', 'sub')).toThrow(UsageError)
  })
})

describe('resolveServerUrl', () => {
  it('takes the argument or --url, then HUBBUB_URL, then the default', () => {
    const env = { HUBBUB_URL: 'ws://env:1' }
    expect(resolveServerUrl({ positional: 'ws://arg:1' }, env, 'chat')).toBe('ws://arg:1')
    expect(resolveServerUrl({ url: 'ws://flag:1' }, env, 'chat')).toBe('ws://flag:1')
    expect(resolveServerUrl({}, env, 'chat')).toBe('ws://env:1')
    expect(resolveServerUrl({}, { HUBBUB_URL: '' }, 'chat')).toBe(DEFAULT_URL)
    expect(() => resolveServerUrl({ url: 'ws://a:1', positional: 'ws://b:1' }, {}, 'chat')).toThrow(
      /give the URL once/,
    )
  })
})

describe('resolveName', () => {
  it('normalises --name as the server does, and refuses what the server would refuse', () => {
    expect(resolveName('  Alice \t Smith ', 'chat')).toBe('Alice Smith')
    expect(() => resolveName('Ｓｅｒｖｅｒ', 'chat')).toThrow(
      /invalid --name: names that read as "Server" are reserved/,
    )
    expect(() => resolveName('Vic\u202e', 'chat')).toThrow(/invalid --name: name contains/)
    expect(() => resolveName(' ', 'chat')).toThrow(/--name must not be empty/)
  })
})
