/**
 * A loopback TCP proxy between a process and a server (a hubbub node and its Redis), so that a
 * test can cut the link the way networks fail: `stall` keeps the connections open but passes
 * nothing (a partition: the client only notices through timeouts), `cut` resets them and refuses
 * new ones, and `restore` lets traffic through again.
 */
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Passes nothing either way from now on; data sent meanwhile is dropped. */
  stall(): void
  /** Resets every connection and refuses new ones. */
  cut(): void
  /** Back to passing traffic (connections made from now on; stalled ones stay stalled). */
  restore(): void
  close(): Promise<void>
}

type Mode = 'pass' | 'stall' | 'cut'

export const startTcpProxy = async (targetPort: number): Promise<TcpProxy> => {
  let mode: Mode = 'pass'
  const pairs = new Set<[Socket, Socket]>()
  const server: Server = createServer((inbound) => {
    if (mode === 'cut') {
      inbound.resetAndDestroy()
      return
    }
    const outbound = connect({ host: '127.0.0.1', port: targetPort })
    const pair: [Socket, Socket] = [inbound, outbound]
    pairs.add(pair)
    let isStalled = mode === 'stall'
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (mode === 'pass' && !isStalled) to.write(chunk)
        else isStalled = true
      })
    }
    forward(inbound, outbound)
    forward(outbound, inbound)
    const end = (): void => {
      pairs.delete(pair)
      inbound.destroy()
      outbound.destroy()
    }
    for (const socket of pair) {
      socket.on('error', end)
      socket.on('close', end)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const cut = (): void => {
    mode = 'cut'
    for (const [inbound, outbound] of pairs) {
      inbound.resetAndDestroy()
      outbound.destroy()
    }
    pairs.clear()
  }
  return {
    port: address.port,
    stall() {
      mode = 'stall'
    },
    cut,
    restore() {
      mode = 'pass'
    },
    async close() {
      cut()
      server.close()
      await once(server, 'close')
    },
  }
}
