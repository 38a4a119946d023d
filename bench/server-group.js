/**
 * A target served by several processes (hubbub nodes and their Redis), seen by the run as one
 * server: `pid` and `port` are the first node's, `ports` every node's (a connection picks one by
 * its index, see targets/hubbub.js), and the CPU and memory figures sum over all the `parts`.
 */
import { procCpuSeconds, procRssBytes, descendantPids } from './proc.js'

/**
 * The processes a server's figures sum over, each `{ name, pid, hasChildren? }`: a group's parts,
 * or the one process of a plain server (none without a local pid: `hubbub bench <url>`).
 */
export const partsOf = (server) =>
  server?.parts ?? (server?.pid === undefined ? [] : [{ name: 'server', pid: server.pid }])

const pidsOf = (part) => (part.hasChildren ? [part.pid, ...descendantPids(part.pid)] : [part.pid])

/** CPU seconds a part (with its child processes, if it has some) has used so far. */
export const partCpuSeconds = (part) =>
  pidsOf(part).reduce((sum, pid) => sum + procCpuSeconds(pid), 0)

/** Resident bytes of every part together; NaN without parts. */
export const serverRssBytes = (server) => {
  const parts = partsOf(server)
  if (parts.length === 0) return NaN
  return parts.reduce(
    (sum, part) => sum + pidsOf(part).reduce((s, pid) => s + procRssBytes(pid), 0),
    0,
  )
}

/**
 * One server made of `nodes` (started processes of server-process.js, clients connect to them)
 * and `others` (processes they need, such as redis-server), each `{ name, server, hasChildren? }`.
 * `stop()` stops the nodes first, then the others, and resolves once all have exited.
 */
export const createServerGroup = (nodes, others = []) => {
  const all = [...nodes, ...others]
  let stopping
  return {
    pid: nodes[0].server.pid,
    port: nodes[0].server.port,
    ports: nodes.map(({ server }) => server.port),
    parts: all.map(({ name, server, hasChildren }) => ({ name, pid: server.pid, hasChildren })),
    isRunning: () => all.every(({ server }) => server.isRunning()),
    stderrTail: () => all.map(({ name, server }) => `${name}: ${server.stderrTail()}`).join('\n'),
    stop() {
      stopping ??= (async () => {
        await Promise.all(nodes.map(({ server }) => server.stop()))
        await Promise.all(others.map(({ server }) => server.stop()))
      })()
      return stopping
    },
  }
}
