import { CloseCode, ErrorCode } from '../protocol/index.js'

/** Fails one request with a reply code; the connection stays open. */
export class ReplyError extends Error {
  override readonly name = 'ReplyError'
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Ends a connection with a WebSocket close code (see `CloseCode` for the reconnect policy). */
export class Disconnect extends Error {
  override readonly name = 'Disconnect'
  constructor(
    readonly code: CloseCode,
    readonly reason: string,
  ) {
    super(`${code} ${reason}`)
  }

  static badProtocol(reason: string): Disconnect {
    return new Disconnect(CloseCode.BadProtocol, reason)
  }
}

/** Close reasons must fit a control frame: at most 123 bytes of UTF-8. */
export const clipReason = (reason: string): string => {
  if (Buffer.byteLength(reason) <= 123) return reason
  let clipped = reason.slice(0, 120)
  while (Buffer.byteLength(clipped) > 120) clipped = clipped.slice(0, -1)
  return `${clipped}...`
}
