import type { ApiMethod, ApiMethods } from '../../src/protocol/index.ts'

/** The server refused the key (401): the page asks for it again. */
export class WrongKeyError extends Error {
  override readonly name = 'WrongKeyError'
}

/** Any other failed call, with the API's error message when it sent one. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError'
}

const messageOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined
  const { error } = body
  if (typeof error === 'string') return error
  if (typeof error === 'object' && error !== null && 'message' in error)
    return typeof error.message === 'string' ? error.message : undefined
  return undefined
}

/**
 * Calls HTTP API method `method` with `key` in the `Authorization` header (never in the URL).
 * Rejects with {@link WrongKeyError} on 401 and {@link AdminApiError} on any other failure.
 */
export const callApi = async <M extends ApiMethod>(
  key: string,
  method: M,
  params: ApiMethods[M]['params'],
): Promise<ApiMethods[M]['result']> => {
  const response = await fetch(`/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  })
  const body: unknown = await response.json().catch(() => undefined)
  if (response.status === 401) throw new WrongKeyError('the server refused this API key')
  if (!response.ok)
    throw new AdminApiError(messageOf(body) ?? `the server answered ${response.status}`)
  return (body as { result: ApiMethods[M]['result'] }).result
}

/**
 * Reads `/metrics`: plainly first, and with `key` once the server has asked for it (with
 * `metricsRequireKey`). Resolves undefined when the server serves no metrics.
 */
export const createMetricsReader = (key: string): (() => Promise<string | undefined>) => {
  let needsKey = false
  const read = async (): Promise<string | undefined> => {
    const response = await fetch(
      '/metrics',
      needsKey ? { headers: { authorization: `Bearer ${key}` } } : {},
    )
    if (response.status === 401 && !needsKey) {
      needsKey = true
      return await read()
    }
    if (response.status === 401) throw new WrongKeyError('the server refused this API key')
    if (!response.ok) return undefined
    return await response.text()
  }
  return read
}
