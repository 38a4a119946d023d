import type { ApiErrorCode } from '../protocol/index.js'

/**
 * A failed API call: the HTTP `status` and the server's error `code` (see docs/api.md). A
 * response that is not the API's JSON (a proxy's error page, say) has code `internal`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message)
  }
}
