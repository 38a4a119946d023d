import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The browser bundle of `hubbub/client`, built by `npm run build`. Resolved from this module so
 * it is found both from `src/server` (tests) and `dist/server` (the package).
 */
const CLIENT_BUNDLE = new URL('../../dist/browser/hubbub.js', import.meta.url)

/** Ends an HTTP request that asked for an upgrade with a plain status and message. */
export const refuseUpgrade = (
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void => {
  const body = `${message}\n`
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ]
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`)
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  503: 'Service Unavailable',
}

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hubbub</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
code{background:#8882;padding:0 .3em;border-radius:4px}</style></head>
<body><h1>hubbub is running</h1>
<p>WebSocket endpoint: <code id="ws">ws://localhost:8765/</code> with subprotocol <code>hubbub.v1</code>.</p>
<p>Plain text endpoints for any WebSocket client: <code>/chat</code>, <code>/echo</code>,
<code>/upper</code>, <code>/hello</code>, <code>/broadcast</code>, <code>/buzzer</code>.</p>
<p>Browser SDK: <code>import { connect } from '/hubbub.js'</code></p>
<p>Health: <a href="/healthz">/healthz</a></p>
<script>document.getElementById('ws').textContent = 'ws://' + location.host + '/'</script>
</body></html>
`

/** Plain HTTP: the landing page, `/healthz` and the client bundle `/hubbub.js`. Everything else is 404. */
export const createRequestHandler = (status: () => Record<string, unknown>) => {
  let bundle: Promise<Buffer> | undefined
  const sendBundle = (res: ServerResponse): void => {
    bundle ??= readFile(CLIENT_BUNDLE)
    bundle.then(
      (body) => {
        res.writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'content-length': body.length,
          // A stable URL: let browsers revalidate rather than keep an old SDK.
          'cache-control': 'no-cache',
        })
        res.end(body)
      },
      (err: unknown) => {
        bundle = undefined
        sendJson(res, 404, {
          error: `the client bundle is not built (${err instanceof Error ? err.message : String(err)}); run npm run build`,
        })
      },
    )
  }
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' })
      return
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok', ...status() })
      return
    }
    if (path === '/hubbub.js') {
      sendBundle(res)
      return
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(LANDING)
      return
    }
    sendJson(res, 404, { error: `not found: ${path}` })
  }
}
