/**
 * One request over a short-lived `hubbub.v1` connection, for `hubbub presence` and `hubbub
 * history`. The SDK offers presence and history only on a subscription, and subscribing would make
 * the command a member of the channel for a moment (announced to a chat room with join and
 * leave); the protocol allows both without one.
 */
import WebSocket from 'ws'
import { HubbubError } from '../client/node.js'
import {
  DecodeError,
  SUBPROTOCOL,
  decodeServerFrame,
  type HistoryFrame,
  type PresenceFrame,
  type ServerFrame,
} from '../protocol/index.js'
import { describeClosed } from './client-connect.js'
import { Failure } from './failure.js'
import { describeReachError } from './reach-error.js'

/** How long the whole exchange may take. */
const REQUEST_TIMEOUT_MS = 10_000

const CONNECT_ID = 1
const REQUEST_ID = 2

/** A request this module can make: its frame without the id. */
export type OneShotBody = Omit<PresenceFrame, 'id'> | Omit<HistoryFrame, 'id'>

/**
 * Connects to `url` as `who` (a name, a token), sends `body` and resolves with the reply's `result`, then closes.
 * Rejects with a `HubbubError` carrying the server's code when the request is refused, and with a
 * {@link Failure} when the server cannot be reached, refuses the connection or does not answer
 * within 10 s.
 */
export const requestOnce = (
  url: string,
  who: { name: string | undefined; token: string | undefined },
  body: OneShotBody,
): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, SUBPROTOCOL)
    let isOpen = false
    let isSettled = false
    const finish = (outcome: () => void): void => {
      if (isSettled) return
      isSettled = true
      clearTimeout(timer)
      socket.close(1000, 'done')
      outcome()
    }
    const fail = (error: Error): void => {
      finish(() => {
        reject(error)
      })
    }
    const timer = setTimeout(() => {
      fail(new Failure(`no answer from ${url} within ${REQUEST_TIMEOUT_MS / 1_000} s`))
    }, REQUEST_TIMEOUT_MS)
    socket.on('error', (error) => {
      fail(
        isOpen
          ? new Failure(`connection to ${url} failed: ${error.message}`)
          : new Failure(describeReachError(url, error, error.message)),
      )
    })
    socket.on('close', (code, reason) => {
      fail(new Failure(describeClosed({ code, reason: reason.toString('utf8') })))
    })
    socket.on('open', () => {
      isOpen = true
      socket.send(
        JSON.stringify({
          type: 'connect',
          id: CONNECT_ID,
          ...(who.name === undefined ? {} : { name: who.name }),
          ...(who.token === undefined ? {} : { token: who.token }),
        }),
      )
    })
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        fail(new Failure(`${url} sent a binary frame: it does not speak hubbub.v1`))
        return
      }
      let frame: ServerFrame
      try {
        frame = decodeServerFrame(data.toString('utf8'))
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
        fail(new Failure(`${url} sent something that is not hubbub.v1: ${error.message}`))
        return
      }
      if (frame.type === 'ping') {
        socket.send('{"type":"pong"}')
        return
      }
      if (frame.type !== 'reply') return
      if ('error' in frame) {
        const { code, message } = frame.error
        fail(
          frame.id === CONNECT_ID
            ? new Failure(`the server refused the connection: ${message} (${code})`)
            : new HubbubError(code, message),
        )
        return
      }
      if (frame.id === CONNECT_ID) socket.send(JSON.stringify({ ...body, id: REQUEST_ID }))
      else if (frame.id === REQUEST_ID)
        finish(() => {
          resolve(frame.result)
        })
    })
  })
