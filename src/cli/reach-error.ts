/** One-line explanations of why a WebSocket connection could not be made, for the user. */

/** Causes of a failed connection, by the error's `code`, with what to check. */
const causes: Record<string, string> = {
  ECONNREFUSED: 'connection refused; is `hubbub serve` running?',
  ENOTFOUND: 'unknown host; check the URL',
  EAI_AGAIN: 'the host name could not be resolved right now; check your network',
  ETIMEDOUT: 'the connection timed out; check the URL and your network',
  EHOSTUNREACH: 'the host is unreachable; check the URL and your network',
  ENETUNREACH: 'the network is unreachable; check your network',
  ECONNRESET: 'the connection was reset',
  EPROTO: 'the TLS handshake failed; is it really wss://?',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS; try ws:// instead of wss://',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server has a self-signed TLS certificate',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
}

const codeOf = (error: Error): string | undefined =>
  'code' in error && typeof error.code === 'string' ? error.code : undefined

const HTTP_STATUS = /^Unexpected server response: (\d{3})$/

/**
 * Why `url` could not be reached, as `cannot reach <url>: <cause>`. `error` is what the
 * WebSocket reported (undefined when it reported nothing); `fallback` describes the failure
 * otherwise (a close reason, a timeout). `hint` is added to an HTTP answer, which means the URL
 * leads to a web server but to no WebSocket endpoint.
 */
export const describeReachError = (
  url: string,
  error: Error | undefined,
  fallback: string,
  hint = 'is the path right?',
): string => {
  if (error === undefined) return `cannot reach ${url}: ${fallback}`
  const code = codeOf(error)
  const cause = code === undefined ? undefined : causes[code]
  if (cause !== undefined) return `cannot reach ${url}: ${cause}`
  const status = HTTP_STATUS.exec(error.message)?.[1]
  if (status !== undefined)
    return `cannot reach ${url}: the server answered HTTP ${status} instead of a WebSocket; ${hint}`
  if (error.message === 'Server sent no subprotocol')
    return `cannot reach ${url}: the server does not speak the requested subprotocol`
  const detail = code === undefined ? error.message : `${error.message} (${code})`
  return `cannot reach ${url}: ${detail}`
}
