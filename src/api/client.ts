import type { ApiErrorCode, ApiMethod, ApiMethods } from '../protocol/index.js'
import { ApiError } from './errors.js'

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** The server's base URL, e.g. `https://hub.example.com` (no `/api`). */
  url: string
  /** The server's API key (`hubbub serve --api-key`). */
  key: string
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch
}

type Params<M extends ApiMethod> = ApiMethods[M]['params']
type Result<M extends ApiMethod> = ApiMethods[M]['result']

/** The HTTP API's methods, typed: each resolves with the method's `result` or rejects with {@link ApiError}. */
export interface ApiClient {
  publish(channel: string, data: unknown, options?: { key?: string }): Promise<Result<'publish'>>
  broadcast(channels: string[], data: unknown): Promise<Result<'broadcast'>>
  presence(channel: string): Promise<Result<'presence'>>
  history(channel: string, options?: Omit<Params<'history'>, 'channel'>): Promise<Result<'history'>>
  disconnect(target: Params<'disconnect'>): Promise<Result<'disconnect'>>
  /** Calls an app's rpc method as the server; resolves with the method's return value. */
  rpc(method: string, params?: unknown): Promise<unknown>
  channels(): Promise<Result<'channels'>>
  info(): Promise<Result<'info'>>
  /** This node's most recent protocol disconnects, newest first. */
  disconnects(options?: Params<'disconnects'>): Promise<Result<'disconnects'>>
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/** The API's error body, or undefined for anything else. */
const readError = (body: unknown): { code: ApiErrorCode; message: string } | undefined => {
  if (!isObject(body) || !isObject(body.error)) return undefined
  const { code, message } = body.error
  return typeof code === 'string' && typeof message === 'string'
    ? { code: code as ApiErrorCode, message }
    : undefined
}

/**
 * A client of a hubbub server's HTTP API (`POST /api/<method>`, docs/api.md), for backends.
 * Holds no connection of its own: each call is one request through `fetch` (which keeps
 * connections alive).
 */
export const createApiClient = ({ url, key, fetch: fetchFn }: ApiClientOptions): ApiClient => {
  const base = url.replace(/\/+$/, '')
  const send = fetchFn ?? globalThis.fetch
  const call = async <M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> => {
    const response = await send(`${base}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(params),
    })
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    if (!response.ok) {
      const error = readError(body)
      throw new ApiError(
        response.status,
        error?.code ?? 'internal',
        error?.message ?? `HTTP ${response.status} ${text.slice(0, 200)}`,
      )
    }
    if (!isObject(body) || !('result' in body))
      throw new ApiError(response.status, 'internal', `not an API response: ${text.slice(0, 200)}`)
    return body.result as Result<M>
  }
  return {
    publish: (channel, data, options) =>
      call(
        'publish',
        options?.key === undefined ? { channel, data } : { channel, data, key: options.key },
      ),
    broadcast: (channels, data) => call('broadcast', { channels, data }),
    presence: (channel) => call('presence', { channel }),
    history: (channel, options) => call('history', { ...options, channel }),
    disconnect: (target) => call('disconnect', target),
    rpc: async (method, params) =>
      (await call('rpc', params === undefined ? { method } : { method, params })).result,
    channels: () => call('channels', {}),
    info: () => call('info', {}),
    disconnects: (options) => call('disconnects', { ...options }),
  }
}
