import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import { sendJson } from '../http.js'
import { createMetricsRegistry, type MetricsSource } from './registry.js'

export interface MetricsEndpointOptions {
  source: MetricsSource
  /** Checks the Authorization header; undefined: `/metrics` is open to whoever reaches it. */
  isAuthorized: ((header: string | undefined) => boolean) | undefined
  /** Told when producing the metrics failed (the scraper got a 500). */
  onError: (err: unknown) => void
}

/**
 * Serves `GET /metrics` in the Prometheus text format. The registry is made on the first scrape,
 * so a server nobody scrapes runs no collector (Node's default metrics start timers).
 */
export const createMetricsEndpoint = ({
  source,
  isAuthorized,
  onError,
}: MetricsEndpointOptions): ((req: IncomingMessage, res: ServerResponse) => void) => {
  let registry: Registry | undefined
  return (req, res) => {
    if (isAuthorized !== undefined && !isAuthorized(req.headers.authorization)) {
      sendJson(
        res,
        401,
        { error: 'send the API key as "Authorization: Bearer <key>"' },
        { 'www-authenticate': 'Bearer realm="hubbub"', 'cache-control': 'no-store' },
      )
      return
    }
    registry ??= createMetricsRegistry(source)
    const { contentType } = registry
    registry.metrics().then(
      (text) => {
        res.writeHead(200, {
          'content-type': contentType,
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
        })
        res.end(req.method === 'HEAD' ? undefined : text)
      },
      (err: unknown) => {
        onError(err)
        sendJson(res, 500, { error: 'could not collect the metrics (logged on the server)' })
      },
    )
  }
}
