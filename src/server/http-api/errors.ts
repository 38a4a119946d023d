import { ApiOnlyErrorCode, ErrorCode, type ApiErrorCode } from '../../protocol/index.js'
import type { ReplyError } from '../errors.js'

/** Fails one API request with an HTTP status and an error code; the response says nothing more. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure'
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers, e.g. `WWW-Authenticate` or `Allow`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
  }

  static badRequest(message: string): ApiFailure {
    return new ApiFailure(400, ErrorCode.BadRequest, message)
  }
}

/** The HTTP status of each reply code, for failures that come from the hub or an app. */
export const statusOfCode: Readonly<Record<ApiErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ApiOnlyErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.Unrecoverable]: 409,
  [ErrorCode.TooLarge]: 413,
  [ApiOnlyErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.Quota]: 507,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Unavailable]: 503,
}

/** A `ReplyError` (from the hub or an app) as an API failure with its status. */
export const fromReplyError = (err: ReplyError): ApiFailure =>
  new ApiFailure(statusOfCode[err.code], err.code, err.message)
