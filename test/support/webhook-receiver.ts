/**
 * A real HTTP server on loopback that receives webhooks: it keeps every request (headers and raw
 * body) and answers each with what `respond` says (200 unless told otherwise; `'hang'` never
 * answers, until the receiver closes).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createCondition } from './condition.js'

export interface Received {
  headers: IncomingHttpHeaders
  body: string
}

export interface WebhookReceiver {
  url: string
  received: Received[]
  /** Resolves with the requests once there are at least `count`; fails after `timeoutMs`. */
  until(count: number, timeoutMs?: number): Promise<Received[]>
  close(): Promise<void>
}

export const startWebhookReceiver = async (
  respond: (request: Received, index: number) => number | 'hang' = () => 200,
): Promise<WebhookReceiver> => {
  const received: Received[] = []
  const changed = createCondition()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      const status = respond(request, received.length)
      received.push(request)
      changed.changed()
      if (status !== 'hang') res.writeHead(status).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    until: (count, timeoutMs = 10_000) =>
      changed.until(
        () => (received.length >= count ? received : undefined),
        () =>
          `${received.length} of ${count} webhook requests: ${received.map((r) => r.body).join('\n')}`,
        timeoutMs,
      ),
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

/** A loopback URL where nothing listens (a port that was just free). */
export const deadUrl = async (): Promise<string> => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return `http://127.0.0.1:${port}/hooks`
}
