import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import type { Readiness } from './readiness.js'

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

/** Answers with a status and a JSON body; `headers` are added (`cache-control`, `connection`). */
export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
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

/**
 * The version in the package's package.json (found like {@link CLIENT_BUNDLE}), or undefined when
 * the server runs without one beside it (bundled into another program).
 */
export const readPackageVersion = (): string | undefined => {
  const url = new URL('../../package.json', import.meta.url)
  if (!existsSync(url)) return undefined
  const manifest: unknown = JSON.parse(readFileSync(url, 'utf8'))
  const version =
    typeof manifest === 'object' && manifest !== null && 'version' in manifest
      ? manifest.version
      : undefined
  return typeof version === 'string' ? version : undefined
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
}

/** Vite puts content-hashed files under `/assets/`: their URL changes whenever they do. */
const isHashedAsset = (urlPath: string): boolean => urlPath.startsWith('/assets/')

/** What a URL path names inside a static directory. */
type StaticTarget =
  | { kind: 'file'; file: string; size: number; mtimeMs: number }
  | { kind: 'redirect'; location: string }
  | { kind: 'missing' }

/**
 * Maps a URL path to a file under `root` (absolute): `index.html` for a directory, a redirect to
 * the slash-terminated URL for a directory named without one, and `missing` for anything outside
 * `root`, any dot-file segment, and paths that do not decode.
 */
const findStatic = async (root: string, urlPath: string): Promise<StaticTarget> => {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch (error) {
    if (error instanceof URIError) return { kind: 'missing' }
    throw error
  }
  const segments = decoded.split(/[/\\]/)
  if (decoded.includes('\0') || segments.some((segment) => segment.startsWith('.')))
    return { kind: 'missing' }
  const path = resolve(root, `.${sep}${segments.join(sep)}`)
  if (path !== root && !path.startsWith(root + sep)) return { kind: 'missing' }
  const found = await statOrUndefined(path)
  if (found === undefined) return { kind: 'missing' }
  if (found.isDirectory()) {
    if (!urlPath.endsWith('/')) return { kind: 'redirect', location: `${urlPath}/` }
    const index = resolve(path, 'index.html')
    const indexStat = await statOrUndefined(index)
    return indexStat?.isFile() === true
      ? { kind: 'file', file: index, size: indexStat.size, mtimeMs: indexStat.mtimeMs }
      : { kind: 'missing' }
  }
  return found.isFile()
    ? { kind: 'file', file: path, size: found.size, mtimeMs: found.mtimeMs }
    : { kind: 'missing' }
}

const statOrUndefined = async (path: string) => {
  try {
    return await stat(path)
  } catch (error) {
    // Not there (or a file used as a directory): a 404, not a failure.
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

/** Sends a found file: hashed assets are cached for good, everything else is revalidated. */
const sendFile = (
  req: IncomingMessage,
  res: ServerResponse,
  urlPath: string,
  target: Extract<StaticTarget, { kind: 'file' }>,
): void => {
  const etag = `W/"${target.size.toString(36)}-${Math.trunc(target.mtimeMs).toString(36)}"`
  const headers = {
    'content-type': CONTENT_TYPES[extname(target.file).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': isHashedAsset(urlPath) ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers)
    res.end()
    return
  }
  res.writeHead(200, { ...headers, 'content-length': target.size })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  const stream = createReadStream(target.file)
  stream.on('error', (err) => {
    // Headers are out: all that is left is to cut the response short.
    res.destroy(err)
  })
  stream.pipe(res)
}

export interface RequestHandlerOptions {
  /** Fields added to `/healthz` (node id, connection count). */
  status: () => Record<string, unknown>
  /** Absolute directory served at `/`; without it, `/` is the built-in landing page. */
  staticDir?: string | undefined
  /** Told about a static file that could not be read (the client got a 500 or a cut response). */
  onError: (err: unknown) => void
  /** Serves `/api` and every path under it, whatever the method. */
  api: (req: IncomingMessage, res: ServerResponse, url: URL) => void
  /** Serves `GET /metrics`; undefined: metrics are off and `/metrics` is a 404. */
  metrics: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  /** What `/readyz` reports. */
  readiness: () => Promise<Readiness>
}

/** Probe answers must reach the prober, never a cache. */
const NO_STORE = { 'cache-control': 'no-store' }

/**
 * Plain HTTP: `/api/*` (handed to `api`), `/healthz` (liveness: the process answers), `/readyz`
 * (readiness: 200, or 503 with the reason while the engine does not answer or the node drains),
 * `/metrics`, the client bundle `/hubbub.js`, then the files of `staticDir` (or the built-in
 * landing page at `/` when there is none). Everything else is 404.
 */
export const createRequestHandler = ({
  status,
  staticDir,
  onError,
  api,
  metrics,
  readiness,
}: RequestHandlerOptions) => {
  const version = readPackageVersion()
  const root = staticDir === undefined ? undefined : resolve(staticDir)
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
  const sendLandingOr404 = (res: ServerResponse, path: string): void => {
    if (path === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
      })
      res.end(LANDING)
      return
    }
    sendJson(res, 404, { error: `not found: ${path}` })
  }
  const sendStatic = async (
    req: IncomingMessage,
    res: ServerResponse,
    dir: string,
    url: URL,
  ): Promise<void> => {
    const target = await findStatic(dir, url.pathname)
    switch (target.kind) {
      case 'file':
        sendFile(req, res, url.pathname, target)
        return
      case 'redirect':
        res.writeHead(301, { location: `${target.location}${url.search}`, 'content-length': 0 })
        res.end()
        return
      case 'missing':
        sendLandingOr404(res, url.pathname)
        return
    }
  }
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    if (path === '/api' || path.startsWith('/api/')) {
      api(req, res, url)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      sendJson(res, 405, { error: 'method not allowed' })
      return
    }
    if (path === '/healthz') {
      sendJson(res, 200, {
        status: 'ok',
        ...(version === undefined ? {} : { version }),
        ...status(),
      })
      return
    }
    if (path === '/readyz') {
      readiness().then(
        (answer) => {
          if (answer.isReady) sendJson(res, 200, { status: 'ready' }, NO_STORE)
          else
            sendJson(
              res,
              503,
              { status: 'unavailable', reason: answer.reason, message: answer.message },
              NO_STORE,
            )
        },
        (err: unknown) => {
          onError(err)
          sendJson(res, 500, { error: 'could not check readiness' }, NO_STORE)
        },
      )
      return
    }
    if (path === '/metrics' && metrics !== undefined) {
      metrics(req, res)
      return
    }
    if (path === '/hubbub.js') {
      sendBundle(res)
      return
    }
    if (root === undefined) {
      sendLandingOr404(res, path)
      return
    }
    sendStatic(req, res, root, url).catch((err: unknown) => {
      onError(err)
      if (res.headersSent) res.destroy(err instanceof Error ? err : new Error(String(err)))
      else sendJson(res, 500, { error: 'could not read the file' })
    })
  }
}
