/** The HTTP API for backends, `POST /api/<method>` (docs/api.md). */
export { createApiHandler, type ApiHandlerOptions } from './handler.js'
export type { ApiContext } from './methods.js'
export { createApiContext, type ApiNode } from './context.js'
