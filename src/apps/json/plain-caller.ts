import type { Member } from '../../protocol/index.js'
import type { RpcCaller } from '../../server/index.js'

/**
 * A plain client as an app's methods see it: an anonymous client (never the server), so the
 * apps' per-user rate limits and budgets apply to it as to a web client; `address` is its IP.
 */
export const plainCaller = (member: Member, address: string): RpcCaller => ({
  member,
  isServer: false,
  isAuthenticated: false,
  isGranted: () => false,
  address,
})
