import { SERVER_CALLER, type Member } from '../protocol/index.js'
import { compilePattern } from './pattern.js'

/**
 * Who asks the hub to do something on a channel: a client connection, or the server itself (an
 * app, a server-side session, the HTTP API). Permissions are decided from it once per request,
 * never per delivery.
 */
export interface Caller {
  /** Who it is; for the server, {@link SERVER_MEMBER}. */
  readonly member: Member
  /** The server, an app or a backend through the HTTP API: no channel permission applies. */
  readonly isServer: boolean
  /** True when the identity came from a verified token, not an anonymous credential. */
  readonly isAuthenticated: boolean
  /** Whether the caller's token grants `channel` (its `channels` claim). */
  isGranted(channel: string): boolean
  /** A client's IP address, for budgets shared by everyone behind it; undefined for the server. */
  readonly address?: string | undefined
}

/** The member the server acts as, e.g. in rpc calls made through the HTTP API. */
export const SERVER_MEMBER: Member = SERVER_CALLER

const grantsNothing = (): boolean => false

/** The server acting as `member` (an app's session) or as itself. */
export const serverCaller = (member: Member = SERVER_MEMBER): Caller => ({
  member,
  isServer: true,
  isAuthenticated: true,
  isGranted: () => true,
})

/**
 * A client's caller: `grants` are its token's channel patterns (`*` matches any run of
 * characters), compiled once per connection; `address` its IP address.
 */
export const clientCaller = (
  member: Member,
  isAuthenticated: boolean,
  grants: readonly string[] = [],
  address?: string,
): Caller => {
  const patterns = grants.map((grant) => compilePattern(grant))
  return {
    member,
    isServer: false,
    isAuthenticated,
    address,
    isGranted:
      patterns.length === 0
        ? grantsNothing
        : (channel) => patterns.some((pattern) => pattern.test(channel)),
  }
}
