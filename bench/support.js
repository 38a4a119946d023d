/**
 * Helpers shared by the benchmarks: the hubbub server as a child process, and re-exports of the
 * /proc readings and the latency histogram.
 */
import process from 'node:process'
import { startProcess } from './server-process.js'

export { Histogram } from './histogram.js'
export { machineCpuSeconds, procCpuSeconds, procMemory, procRssBytes } from './proc.js'

/**
 * Starts `node dist/cli/main.js serve --memory` (or `serve ...serveArgs`) on a free loopback port
 * and resolves once it prints its `hubbub listening on <url>` line. `stop()` asks it to shut down,
 * then kills it after `graceMs`. BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof", goes to the server's node.
 */
export const startServer = (cwd, timeoutMs = 15_000, serveArgs = ['--memory']) => {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const serve = ['dist/cli/main.js', 'serve', '--port', '0', '--host', '127.0.0.1', ...serveArgs]
  return startProcess({
    command: process.execPath,
    args: [...nodeArgs, ...serve],
    cwd,
    readyPattern: /listening on http:\/\/\S+:(\d+)/,
    timeoutMs,
  })
}
