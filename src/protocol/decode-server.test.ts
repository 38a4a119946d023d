import { describe, expect, it } from 'vitest'
import { DecodeError } from './decode.js'
import { decodeServerFrame } from './decode-server.js'

const alice = { client: 'c1', user: 'anon:a', name: 'Alice' }

describe('decodeServerFrame', () => {
  it('decodes a members list', () => {
    const text = JSON.stringify({ type: 'members', channel: 'chat:x', members: [alice] })
    expect(decodeServerFrame(text)).toEqual({
      type: 'members',
      channel: 'chat:x',
      members: [alice],
    })
    expect(decodeServerFrame('{"type":"members","channel":"c","members":[]}')).toEqual({
      type: 'members',
      channel: 'c',
      members: [],
    })
  })

  it.each([
    ['no list', { type: 'members', channel: 'c' }],
    ['not a list', { type: 'members', channel: 'c', members: alice }],
    ['a malformed member', { type: 'members', channel: 'c', members: [alice, { client: 1 }] }],
    ['no channel', { type: 'members', members: [alice] }],
  ])('refuses a members frame with %s', (_, frame) => {
    expect(() => decodeServerFrame(JSON.stringify(frame))).toThrow(DecodeError)
  })
})
