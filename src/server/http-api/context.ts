import { CloseCode } from '../../protocol/index.js'
import { Connection } from '../connection.js'
import { Disconnect } from '../errors.js'
import { readPackageVersion } from '../http.js'
import type { Hub } from '../hub.js'
import type { RecentDisconnects } from '../metrics/recent-disconnects.js'
import type { ApiContext } from './methods.js'

/** What the server lends the API to build its {@link ApiContext} from. */
export interface ApiNode {
  hub: Hub
  limits: ApiContext['limits']
  /** Every open connection of this node (protocol and plain text). */
  connections: () => Iterable<unknown>
  connectionCount: () => number
  /** This node's most recent protocol disconnects. */
  recentDisconnects: RecentDisconnects
}

/** The API's view of this node: its hub, its connections (for `disconnect`) and its counts. */
export const createApiContext = ({
  hub,
  limits,
  connections,
  connectionCount,
  recentDisconnects,
}: ApiNode): ApiContext => {
  const version = readPackageVersion()
  return {
    hub,
    limits,
    // A scan, not an index: an operator's call, rare, and nothing to keep up per delivery.
    disconnect: (matches, reason) => {
      let count = 0
      for (const connection of connections())
        if (
          connection instanceof Connection &&
          !connection.isClosed &&
          matches(connection.member)
        ) {
          connection.disconnect(new Disconnect(CloseCode.Disconnected, reason))
          count++
        }
      return count
    },
    disconnects: (limit) => recentDisconnects.list(limit),
    info: () => {
      const channels = hub.localChannels()
      const node = {
        node: hub.nodeId,
        connections: connectionCount(),
        subscriptions: channels.reduce((sum, entry) => sum + entry.subscribers, 0),
        channels: channels.length,
      }
      return version === undefined ? { nodes: [node] } : { version, nodes: [node] }
    },
  }
}
