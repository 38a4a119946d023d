import { describe, expect, it } from 'vitest'
import { DecodeError, decodeClientFrame } from './decode.js'

const limits = { maxDepth: 4, maxChannelLength: 16 }
const decode = (value: unknown) =>
  decodeClientFrame(typeof value === 'string' ? value : JSON.stringify(value), limits)
const failure = (value: unknown): DecodeError => {
  try {
    decode(value)
  } catch (err) {
    if (err instanceof DecodeError) return err
    throw err
  }
  throw new Error('decoded without error')
}

describe('decodeClientFrame', () => {
  it('decodes every frame type, keeping only known fields', () => {
    // `anonId` (a client-chosen identity, no longer honoured) is dropped like any unknown field.
    expect(
      decode({ type: 'connect', id: 1, name: 'A', credential: 'a1.x.y', anonId: 'x', junk: true }),
    ).toEqual({ type: 'connect', id: 1, name: 'A', credential: 'a1.x.y' })
    expect(decode({ type: 'refresh', id: 9, token: 't' })).toEqual({
      type: 'refresh',
      id: 9,
      token: 't',
    })
    expect(failure({ type: 'refresh', id: 9 }).message).toContain('needs a non-empty "token"')
    expect(
      decode({
        type: 'subscribe',
        id: 2,
        channel: 'c',
        since: { epoch: 'e', seq: 3 },
        presence: true,
      }),
    ).toEqual({
      type: 'subscribe',
      id: 2,
      channel: 'c',
      since: { epoch: 'e', seq: 3 },
      presence: true,
    })
    expect(decode({ type: 'unsubscribe', id: 3, channel: 'c' })).toEqual({
      type: 'unsubscribe',
      id: 3,
      channel: 'c',
    })
    expect(decode({ type: 'publish', id: 4, channel: 'c', data: null, key: 'k' })).toEqual({
      type: 'publish',
      id: 4,
      channel: 'c',
      data: null,
      key: 'k',
    })
    expect(decode({ type: 'signal', channel: 'c', data: [1] })).toEqual({
      type: 'signal',
      channel: 'c',
      data: [1],
    })
    expect(decode({ type: 'history', id: 5, channel: 'c', limit: 0, reverse: false })).toEqual({
      type: 'history',
      id: 5,
      channel: 'c',
      limit: 0,
      reverse: false,
    })
    expect(decode({ type: 'rpc', id: 6, method: 'm' })).toEqual({
      type: 'rpc',
      id: 6,
      method: 'm',
      params: null,
    })
    expect(decode({ type: 'pong' })).toEqual({ type: 'pong' })
    expect(decode({ type: 'presence', id: 0, channel: 'c' })).toEqual({
      type: 'presence',
      id: 0,
      channel: 'c',
    })
  })

  it('carries the id of a bad request so it can be answered', () => {
    expect(failure({ type: 'publish', id: 9, channel: 'c' })).toMatchObject({
      id: 9,
      message: '"publish" needs "data"',
    })
    expect(failure({ type: 'publish', id: -1, channel: 'c', data: 1 }).message).toContain('"id"')
    expect(failure('{oops').id).toBeUndefined()
  })

  it('takes batch in connect as a boolean only', () => {
    expect(decode({ type: 'connect', id: 1, batch: true })).toEqual({
      type: 'connect',
      id: 1,
      batch: true,
    })
    expect(failure({ type: 'connect', id: 1, batch: 'yes' })).toMatchObject({
      id: 1,
      message: expect.stringContaining('"batch" must be a boolean') as string,
    })
  })

  it('refuses ids that are not non-negative safe integers', () => {
    for (const id of [-1, 1.5, '1', 2 ** 60, null])
      expect(failure({ type: 'presence', id, channel: 'c' }).id).toBeUndefined()
  })

  it('measures nesting depth without recursion and stops at the limit', () => {
    expect(decode({ type: 'signal', channel: 'c', data: [[[{ a: 1 }]]] })).toBeTruthy()
    expect(failure({ type: 'signal', channel: 'c', data: [[[[[1]]]]] }).message).toContain(
      'nested deeper than 4',
    )
    let deep = '1'
    for (let i = 0; i < 100_000; i++) deep = `[${deep}]`
    expect(failure(`{"type":"signal","channel":"c","data":${deep}}`).message).toContain('nested')
  })

  it('limits channel names', () => {
    expect(failure({ type: 'presence', id: 1, channel: 'x'.repeat(17) }).message).toContain(
      'longer than 16',
    )
    expect(failure({ type: 'presence', id: 1, channel: 'a\nb' }).message).toContain('control')
  })
})
