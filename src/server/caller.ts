import type { Member } from '../protocol/index.js'

/**
 * Who asks the hub to do something on a channel: a client connection (or a server-side session
 * acting as one). Permissions are decided from it once per request, never per delivery.
 */
export interface Caller {
  readonly member: Member
  /** True when the identity came from a verified token, not an anonymous credential. */
  readonly isAuthenticated: boolean
  /** Channel patterns the caller's token grants (see `Identity.channels`). */
  readonly grants: readonly string[] | undefined
}
