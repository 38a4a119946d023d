import type { ConnectResult, Pub, ServerFrame } from '../../src/protocol/index.js'
import { SUBPROTOCOL } from '../../src/protocol/index.js'
import { RawSocket, type RawEvent, type RawSocketOptions } from './raw-socket.js'

/** The server frame a text event carries, if it is one. */
export const frameOf = (event: RawEvent): ServerFrame | undefined =>
  event.kind === 'text' ? (JSON.parse(event.text) as ServerFrame) : undefined

/**
 * A `hubbub.v1` client over a {@link RawSocket}: it can stop reading while the server keeps
 * sending. It never answers the protocol's `ping`, so keep `pingIntervalMs` long unless that is
 * the point.
 */
export class RawProtocolClient {
  readonly raw: RawSocket
  #nextId = 1
  #member: ConnectResult | undefined

  private constructor(raw: RawSocket) {
    this.raw = raw
  }

  /** Opens a socket offering `hubbub.v1` and sends `connect`; resolves once it is accepted. */
  static async connect(
    port: number,
    name: string,
    options: Omit<RawSocketOptions, 'protocol'> = {},
  ): Promise<RawProtocolClient> {
    const client = new RawProtocolClient(
      await RawSocket.open(port, { ...options, protocol: SUBPROTOCOL }),
    )
    client.#member = (await client.request({ type: 'connect', name })) as ConnectResult
    return client
  }

  get member(): ConnectResult {
    if (this.#member === undefined) throw new Error('not connected yet')
    return this.#member
  }

  send(frame: Record<string, unknown>): void {
    this.raw.sendJson(frame)
  }

  /** Sends a request with a fresh id and returns the id, without waiting for the reply. */
  sendRequest(frame: Record<string, unknown>): number {
    const id = this.#nextId++
    this.send({ ...frame, id })
    return id
  }

  /**
   * Sends several requests in one write (the server handles them in one event-loop turn) and
   * resolves with their results, in order; rejects with the first error.
   */
  async requestAll(frames: Record<string, unknown>[]): Promise<unknown[]> {
    const ids = frames.map(() => this.#nextId++)
    this.raw.sendTexts(frames.map((frame, i) => JSON.stringify({ ...frame, id: ids[i] })))
    const results: unknown[] = []
    for (const id of ids) {
      const reply = await this.waitForFrame((f) => f.type === 'reply' && f.id === id)
      if (reply.type !== 'reply') throw new Error('unreachable: not a reply')
      if ('error' in reply) throw new Error(`${reply.error.code}: ${reply.error.message}`)
      results.push(reply.result)
    }
    return results
  }

  /** Sends a request; resolves with its result, rejects with its error code and message. */
  async request(frame: Record<string, unknown>): Promise<unknown> {
    const id = this.sendRequest(frame)
    const reply = await this.waitForFrame((f) => f.type === 'reply' && f.id === id)
    if (reply.type !== 'reply') throw new Error('unreachable: not a reply')
    if ('error' in reply) throw new Error(`${reply.error.code}: ${reply.error.message}`)
    return reply.result
  }

  /** The first frame received (from event index `from` on) that matches, waiting for it if needed. */
  async waitForFrame(
    match: (frame: ServerFrame) => boolean,
    from = 0,
    timeoutMs?: number,
  ): Promise<ServerFrame> {
    const index = await this.raw.waitFor(
      (event) => {
        const frame = frameOf(event)
        return frame !== undefined && match(frame)
      },
      from,
      timeoutMs,
    )
    const frame = frameOf(this.raw.events[index] ?? { kind: 'close', code: 0, reason: '' })
    if (frame === undefined) throw new Error('unreachable: not a frame')
    return frame
  }

  /** Every protocol frame received so far, in order. */
  frames(): ServerFrame[] {
    return this.raw.events.flatMap((event) => {
      const frame = frameOf(event)
      return frame === undefined ? [] : [frame]
    })
  }

  /** The publications of `channel` received so far, in order. */
  pubs(channel: string): Pub[] {
    return this.frames().flatMap((frame) =>
      frame.type === 'pub' && frame.channel === channel ? [frame.pub] : [],
    )
  }

  pause(): void {
    this.raw.pause()
  }

  resume(): void {
    this.raw.resume()
  }

  destroy(): void {
    this.raw.destroy()
  }
}
