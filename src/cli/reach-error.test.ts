import { describe, expect, it } from 'vitest'
import { describeReachError } from './reach-error.js'

const withCode = (message: string, code: string): Error =>
  Object.assign(new Error(message), { code })
const URL = 'ws://localhost:8765'

describe('describeReachError', () => {
  it.each([
    [
      withCode('connect ECONNREFUSED 127.0.0.1:8765', 'ECONNREFUSED'),
      'connection refused; is `hubbub serve` running?',
    ],
    [withCode('getaddrinfo ENOTFOUND nope', 'ENOTFOUND'), 'unknown host; check the URL'],
    [
      new Error('Unexpected server response: 404'),
      'the server answered HTTP 404 instead of a WebSocket; is the path right?',
    ],
    [withCode('weird', 'EWEIRD'), 'weird (EWEIRD)'],
    [new Error('something else'), 'something else'],
  ])('%s', (error, cause) => {
    expect(describeReachError(URL, error, 'fallback')).toBe(`cannot reach ${URL}: ${cause}`)
  })

  it('uses the fallback when the socket reported no error', () => {
    expect(describeReachError(URL, undefined, 'no answer to the handshake')).toBe(
      `cannot reach ${URL}: no answer to the handshake`,
    )
  })
})
