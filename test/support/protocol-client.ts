import WebSocket from 'ws'
import type { Member, ServerFrame } from '../../src/protocol/index.js'
import { SUBPROTOCOL } from '../../src/protocol/index.js'
import { Inbox, closed, opened, type Closed } from './frames.js'

type Frame = ServerFrame & Record<string, unknown>

/** A raw `hubbub.v1` test client: sends frames, awaits replies and events. */
export class TestClient {
  readonly ws: WebSocket
  readonly inbox = new Inbox<Frame>()
  readonly closed: Promise<Closed>
  #nextId = 1
  member: Member | undefined

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, SUBPROTOCOL, options)
    this.ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as Frame
      if (frame.type === 'ping' && this.autoPong) this.send({ type: 'pong' })
      this.inbox.push(frame)
    })
    this.closed = closed(this.ws)
  }

  autoPong = true

  static async connect(url: string, name = 'Tester', extra: Record<string, unknown> = {}) {
    const client = new TestClient(url)
    await opened(client.ws)
    const result = (await client.request({ type: 'connect', name, ...extra })) as Member
    client.member = result
    return client
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends a request with a fresh id; resolves with the whole reply frame. */
  async call(frame: Record<string, unknown>): Promise<Frame> {
    const id = this.#nextId++
    this.send({ ...frame, id })
    return await this.inbox.take((f) => f.type === 'reply' && f.id === id)
  }

  /** Sends a request; resolves with `result`, rejects with the reply error's code. */
  async request(frame: Record<string, unknown>): Promise<unknown> {
    const reply = await this.call(frame)
    if ('error' in reply) {
      const error = reply.error as { code: string; message: string }
      throw new Error(`${error.code}: ${error.message}`)
    }
    return reply.result
  }

  /** The next received frame of `type` (that `match` accepts), waiting for it if needed. */
  async next<T extends ServerFrame['type']>(
    type: T,
    match: (frame: Frame) => boolean = () => true,
  ): Promise<Extract<ServerFrame, { type: T }> & Record<string, unknown>> {
    const frame = await this.inbox.take((f) => f.type === type && match(f))
    return frame as Extract<ServerFrame, { type: T }> & Record<string, unknown>
  }

  close(): Promise<Closed> {
    this.ws.close()
    return this.closed
  }
}

/** The anonymous credential the server issued a client in its connect reply. */
export const credentialOf = (client: TestClient): string => {
  const { credential } = client.member as unknown as { credential?: unknown }
  if (typeof credential !== 'string') throw new Error('this connection got no credential')
  return credential
}
