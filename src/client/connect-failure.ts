/**
 * Why a WebSocket could not be opened, as far as the runtime tells: Node (through `ws`) says
 * which HTTP status refused the upgrade or which system error (errno) failed the DNS look-up, the
 * TCP connect or TLS; a browser tells nothing (its `error` event carries no detail, by design).
 */
export type ConnectFailure =
  /** The server answered the upgrade with an HTTP status instead of 101 (403, 404, 503, …). */
  | { kind: 'http'; status: number; message: string }
  /** The network failed: `errno` as Node names it (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, a TLS code, …). */
  | { kind: 'network'; errno: string; message: string }
  /** The runtime gives no reason (browsers). */
  | { kind: 'unknown'; message: string }

/**
 * The error a Node WebSocket of the SDK (`hubbub/client` in Node) fails with when the server
 * refuses the upgrade: it carries the HTTP status.
 */
export class UpgradeRefusedError extends Error {
  override readonly name = 'UpgradeRefusedError'
  constructor(readonly status: number) {
    super(`the server refused the WebSocket upgrade with HTTP ${status}`)
  }
}

const fieldOf = (value: unknown, field: string): unknown =>
  typeof value === 'object' && value !== null && field in value
    ? (value as Record<string, unknown>)[field]
    : undefined

/**
 * The failure a WebSocket `error` event stands for. The event of `ws` carries the `Error` as
 * `error`: an {@link UpgradeRefusedError} (its `status`), or a system error (its `code`).
 */
export const failureOf = (event: unknown): ConnectFailure => {
  const error = fieldOf(event, 'error')
  const status = fieldOf(error, 'status')
  const message = fieldOf(error, 'message')
  const text = typeof message === 'string' ? message : 'the WebSocket could not be opened'
  if (typeof status === 'number') return { kind: 'http', status, message: text }
  const errno = fieldOf(error, 'code')
  if (typeof errno === 'string') return { kind: 'network', errno, message: text }
  if (error === undefined)
    return { kind: 'unknown', message: 'the WebSocket could not be opened (no reason given)' }
  return { kind: 'unknown', message: text }
}

/** One line for a failure, used as the `reason` of the `disconnected` or `closed` event. */
export const describeFailure = (failure: ConnectFailure): string => {
  switch (failure.kind) {
    case 'http':
      return `the server refused the WebSocket upgrade with HTTP ${failure.status}`
    case 'network':
      return failure.message.includes(failure.errno)
        ? failure.message
        : `${failure.message} (${failure.errno})`
    case 'unknown':
      return failure.message
  }
}
