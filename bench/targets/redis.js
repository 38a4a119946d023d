/**
 * hubbub on the Redis engine: a redis-server of the bench's own (bench/redis-server.js, a free
 * port, never 6379) and one or more `hubbub serve --redis <url>` nodes on it, started fresh for
 * every run and stopped with it. With several nodes, the connections alternate between them by
 * index (subscribers and publishers alike), so every publication crosses Redis to reach half of
 * the subscribers. The nodes share one data directory, which holds only their common secret.
 * Spoken to exactly as the single node (hubbub.js). Skipped where redis-server is not installed.
 */
import { execFileSync } from 'node:child_process'
import process from 'node:process'
import { fileURLToPath, URL } from 'node:url'
import { redisUnavailable, startRedis } from '../redis-server.js'
import { createServerGroup } from '../server-group.js'
import { startServer } from '../support.js'
import { hubbubTarget } from './hubbub.js'

const START_TIMEOUT_MS = 15_000

/**
 * A target of `nodes` hubbub nodes on one Redis, each `serve --redis <url> --data <dir>` plus
 * `extraArgs`. `hasChildren`: a node forks processes of its own (`--workers`), which its CPU and
 * memory figures include. `unavailable` adds its own reason to the missing redis-server.
 */
const redisTarget = (name, { nodes, extraArgs = [], hasChildren = false, unavailable }) => {
  const serveArgs = (tmpDir, url) => ['--redis', url, '--data', tmpDir, ...extraArgs]
  const times = nodes === 1 ? '' : `${nodes} × `
  return hubbubTarget(name, (tmpDir) => serveArgs(tmpDir, '<url>'), {
    describe: `redis-server on a free port; ${times}hubbub serve ${serveArgs('<fresh dir>', '<its url>').join(' ')}`,
    unavailable: () => redisUnavailable() ?? unavailable?.(),
    async start({ root, tmpDir }) {
      const redis = await startRedis(tmpDir)
      const started = []
      try {
        // One after the other: the first writes the shared secret, the next ones read it.
        for (let i = 1; i <= nodes; i++) {
          const server = await startServer(root, START_TIMEOUT_MS, serveArgs(tmpDir, redis.url))
          started.push({ name: nodes === 1 ? 'node' : `node ${i}`, server, hasChildren })
        }
      } catch (err) {
        await Promise.all(started.map(({ server }) => server.stop()))
        await redis.stop()
        throw err
      }
      return createServerGroup(started, [{ name: 'redis', server: redis }])
    },
  })
}

export const hubbubRedis = redisTarget('hubbub-redis', { nodes: 1 })
export const hubbub2Nodes = redisTarget('hubbub-2nodes', { nodes: 2 })

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Whether the built CLI's `serve` has `flag` (its help mentions it). */
const serveHas = (flag) => {
  const help = execFileSync(process.execPath, ['dist/cli/main.js', 'serve', '--help'], {
    cwd: root,
    encoding: 'utf8',
  })
  return help.includes(flag)
}

/**
 * `hubbub serve --workers 2`: one node whose workers share its port (issue 12). It enables itself
 * once the built CLI has `--workers`; until then it is skipped with a line saying so. Its CPU and
 * memory figures sum the node's process tree (the primary and its workers).
 */
export const hubbubWorkers = redisTarget('hubbub-workers', {
  nodes: 1,
  extraArgs: ['--workers', '2'],
  hasChildren: true,
  unavailable: () => (serveHas('--workers') ? undefined : 'hubbub serve has no --workers yet'),
})
