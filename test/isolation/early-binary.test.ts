/**
 * Issue 11: a binary frame that arrives while `connect` is being handled is refused exactly as
 * one after connect is (bad_request, "send frames as text, not binary"), not taken as text.
 */
import { expect, it } from 'vitest'
import { pino } from 'pino'
import { SUBPROTOCOL } from '../../src/protocol/index.js'
import { useServer } from '../support/harness.js'
import { frameOf } from '../support/raw-protocol-client.js'
import { Opcode, RawSocket, encodeClientFrame } from '../support/raw-socket.js'

const { start, track } = useServer({ logger: pino({ level: 'silent' }) })

it('refuses a binary frame sent while connect is pending', async () => {
  const server = await start()
  const raw = track(await RawSocket.open(server.port, { protocol: SUBPROTOCOL }))
  // One write: the server reads both frames in one go, the second while connect is pending.
  raw.socket.write(
    Buffer.concat([
      encodeClientFrame(Opcode.Text, Buffer.from('{"type":"connect","id":1,"name":"Early"}')),
      encodeClientFrame(
        Opcode.Binary,
        Buffer.from('{"type":"publish","id":2,"channel":"a","data":1}'),
      ),
    ]),
  )
  const at = await raw.waitFor((event) => {
    const frame = frameOf(event)
    return frame?.type === 'reply' && frame.id === 2
  })
  const event = raw.events[at]
  expect(event === undefined ? undefined : frameOf(event)).toMatchObject({
    error: { code: 'bad_request', message: 'send frames as text, not binary' },
  })
  raw.sendJson({ type: 'history', id: 3, channel: 'a' })
  const historyAt = await raw.waitFor((e) => {
    const frame = frameOf(e)
    return frame?.type === 'reply' && frame.id === 3
  })
  const history = raw.events[historyAt]
  expect(history === undefined ? undefined : frameOf(history)).toMatchObject({
    result: { pubs: [] },
  })
})
