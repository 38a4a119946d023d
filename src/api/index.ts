/** `hubbub/api`: a small client of the server's HTTP API for backends (docs/api.md). */
export { createApiClient, type ApiClient, type ApiClientOptions } from './client.js'
export { ApiError } from './errors.js'
export type {
  ApiErrorCode,
  ApiInfo,
  ApiMethod,
  ApiMethods,
  PublishedPosition,
  HistoryResult,
  Member,
  Position,
  Pub,
} from '../protocol/index.js'
