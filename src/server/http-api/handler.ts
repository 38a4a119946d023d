import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { ApiOnlyErrorCode, ErrorCode } from '../../protocol/index.js'
import { createBearerCheck } from './bearer.js'
import { sendJson } from '../http.js'
import { readBody } from './body.js'
import { ApiFailure } from './errors.js'
import { callMethod, type ApiContext } from './methods.js'
import { countOne } from '../metrics/node-counters.js'

export interface ApiHandlerOptions {
  /** The bearer key; undefined turns the API off (every `/api` path answers 404). */
  apiKey: string | undefined
  /** Largest request body; larger gets 413. */
  maxApiBodyBytes: number
  context: ApiContext
  logger: Logger
  /** Where each answered request is counted, by status. */
  requestCounts: Map<number, number>
}

const PREFIX = '/api/'

/** API answers are never cached. */
const NO_STORE = { 'cache-control': 'no-store' }

const isJsonType = (header: string | undefined): boolean => {
  if (header === undefined) return true
  const type = header.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

const parseJson = (body: Buffer): unknown => {
  if (body.length === 0) return {}
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw ApiFailure.badRequest('the body is not valid JSON')
  }
}

/** A bug (or an app's unexpected error): logged here, sent as a bare 500. */
const internalFailure = (err: unknown, url: URL, logger: Logger): ApiFailure => {
  logger.error({ err, path: url.pathname }, 'API request failed')
  return new ApiFailure(500, ErrorCode.Internal, 'internal error (logged on the server)')
}

/**
 * Serves `POST /api/<method>` (docs/api.md): checks the bearer key, reads a size-capped JSON body
 * and answers `{"result": …}` or `{"error": {"code", "message"}}` with the failure's status.
 * Neither the key nor the body is ever logged.
 */
export const createApiHandler = ({
  apiKey,
  maxApiBodyBytes,
  context,
  logger,
  requestCounts,
}: ApiHandlerOptions): ((req: IncomingMessage, res: ServerResponse, url: URL) => void) => {
  const isAuthorized = apiKey === undefined ? undefined : createBearerCheck(apiKey)

  const serve = async (req: IncomingMessage, url: URL): Promise<unknown> => {
    if (isAuthorized === undefined)
      throw new ApiFailure(404, ErrorCode.NotFound, 'the HTTP API is off (no API key is set)')
    // A key in a URL ends up in proxy logs and browser history: refuse rather than ignore it.
    if (url.search !== '')
      throw ApiFailure.badRequest(
        'the API takes no query string: send the key in the Authorization header, params in the body',
      )
    if (req.method !== 'POST')
      throw new ApiFailure(405, ApiOnlyErrorCode.MethodNotAllowed, 'use POST', { allow: 'POST' })
    if (!isAuthorized(req.headers.authorization))
      throw new ApiFailure(
        401,
        ErrorCode.Unauthorized,
        'send the API key as "Authorization: Bearer <key>"',
        { 'www-authenticate': 'Bearer realm="hubbub"' },
      )
    if (!isJsonType(req.headers['content-type']))
      throw new ApiFailure(
        415,
        ApiOnlyErrorCode.UnsupportedMediaType,
        'send the body as Content-Type: application/json',
      )
    const body = parseJson(await readBody(req, maxApiBodyBytes))
    return await callMethod(url.pathname.slice(PREFIX.length), body, context)
  }

  return (req, res, url) => {
    serve(req, url).then(
      (result) => {
        countOne(requestCounts, 200)
        sendJson(res, 200, { result }, NO_STORE)
      },
      (err: unknown) => {
        if (res.destroyed) {
          logger.debug({ err, path: url.pathname }, 'API client went away')
          return
        }
        const failure = err instanceof ApiFailure ? err : internalFailure(err, url, logger)
        countOne(requestCounts, failure.status)
        logger.debug({ path: url.pathname, status: failure.status }, 'API request refused')
        // An unread body would have to be read to keep the connection: close it instead.
        if (!req.complete) res.setHeader('connection', 'close')
        for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value)
        sendJson(
          res,
          failure.status,
          { error: { code: failure.code, message: failure.message } },
          NO_STORE,
        )
      },
    )
  }
}
