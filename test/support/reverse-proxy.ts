/**
 * nginx or HAProxy in front of hubbub nodes, as child processes in the foreground on a free
 * loopback port, running the documented config (`docs/examples/nginx.conf`,
 * `docs/examples/haproxy.cfg`) with only its ports changed: what the tests pass is what the docs
 * tell users to run. A missing binary fails with the package to install, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './redis-server.js'

export type ProxyKind = 'nginx' | 'haproxy'

export interface ReverseProxy {
  readonly kind: ProxyKind
  readonly port: number
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Everything the proxy wrote to stderr so far (its error log). */
  stderr(): string
  /** Stops it (SIGTERM) and removes its files; resolves once it has exited. */
  stop(): Promise<void>
}

/** The example configs the docs show, which the tests run. */
export const exampleConfigFile = (kind: ProxyKind): string =>
  fileURLToPath(
    new URL(
      kind === 'nginx' ? '../../docs/examples/nginx.conf' : '../../docs/examples/haproxy.cfg',
      import.meta.url,
    ),
  )

/** The two upstream addresses and the listen line, as the example configs spell them. */
const EXAMPLE_UPSTREAMS = ['127.0.0.1:8765', '127.0.0.1:8766'] as const
const EXAMPLE_LISTEN: Record<ProxyKind, string> = { nginx: 'listen 80;', haproxy: 'bind :80' }

const replaceOnce = (text: string, from: string, to: string, file: string): string => {
  const parts = text.split(from)
  if (parts.length !== 2)
    throw new Error(`${file} must contain "${from}" exactly once (the test substitutes it)`)
  return parts.join(to)
}

/** The example config with the listen port and the two upstream ports substituted. */
export const exampleConfig = (
  kind: ProxyKind,
  listenPort: number,
  upstreamPorts: readonly [number, number],
): string => {
  const file = exampleConfigFile(kind)
  let text = readFileSync(file, 'utf8')
  const listen =
    kind === 'nginx' ? `listen 127.0.0.1:${listenPort};` : `bind 127.0.0.1:${listenPort}`
  text = replaceOnce(text, EXAMPLE_LISTEN[kind], listen, file)
  EXAMPLE_UPSTREAMS.forEach((address, index) => {
    text = replaceOnce(text, address, `127.0.0.1:${upstreamPorts[index]}`, file)
  })
  return text
}

/** The binary's path: on PATH, or in the sbin directories a non-root PATH often lacks. */
const findBinary = (kind: ProxyKind): string => {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
  for (const dir of dirs.filter((d) => d !== '')) {
    const path = join(dir, kind)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // Not in this directory: look in the next.
    }
  }
  throw new Error(
    `${kind} is not installed: these tests run the documented ${kind} config, so install the ` +
      `Debian package (apt-get install -y ${kind}); .ci/run installs it when missing`,
  )
}

/**
 * nginx reads the example inside a main config that supplies what Debian's /etc/nginx/nginx.conf
 * does (events, an http block including conf.d), with its pid, logs and temporary files in `dir`
 * so that it runs as any user.
 */
const nginxMainConfig = (dir: string): string => `
pid ${dir}/nginx.pid;
error_log stderr warn;
events {}
http {
    access_log off;
    client_body_temp_path ${dir}/client-body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/hubbub.conf;
}
`

const launch = (
  kind: ProxyKind,
  binary: string,
  dir: string,
  port: number,
  ups: readonly [number, number],
): ChildProcess => {
  const config = exampleConfig(kind, port, ups)
  if (kind === 'nginx') {
    writeFileSync(join(dir, 'hubbub.conf'), config)
    writeFileSync(join(dir, 'nginx.conf'), nginxMainConfig(dir))
    // One foreground process (no master): a SIGKILLed test run leaves no orphaned worker.
    return spawn(
      binary,
      [
        '-e',
        'stderr',
        '-p',
        `${dir}/`,
        '-c',
        join(dir, 'nginx.conf'),
        '-g',
        'daemon off; master_process off;',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
  }
  writeFileSync(join(dir, 'haproxy.cfg'), config)
  return spawn(binary, ['-f', join(dir, 'haproxy.cfg'), '-db'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
}

/**
 * Resolves `true` once `url` answers 200 (the proxy listens and reaches a node), `false` if `child`
 * exits first; rejects after `timeoutMs`.
 */
const answered = async (url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> => {
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let outcome: string
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return true
      outcome = `HTTP ${response.status}`
    } catch (error) {
      outcome = error instanceof Error ? `${error.message} ${String(error.cause)}` : String(error)
    }
    if (hasExited()) return false
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms: ${outcome}`)
    // Nothing announces that nginx or HAProxy listens: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * Starts `kind` on a free loopback port in front of the nodes on `upstreamPorts`, resolving once
 * `/healthz` answers through it.
 */
export const startReverseProxy = async (
  kind: ProxyKind,
  upstreamPorts: readonly [number, number],
): Promise<ReverseProxy> => {
  const binary = findBinary(kind)
  const dir = mkdtempSync(join(tmpdir(), `hubbub-${kind}-`))
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const child = launch(kind, binary, dir, port, upstreamPorts)
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', (error) => (stderr += `${String(error)}\n`))
    const exited = once(child, 'exit')
    const url = `http://127.0.0.1:${port}`
    let isServing: boolean
    try {
      isServing = await answered(`${url}/healthz`, child, 10_000)
    } catch (error) {
      child.kill('SIGKILL')
      if (child.pid !== undefined) await exited
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`${kind} did not serve:\n${stderr}`, { cause: error })
    }
    if (!isServing) {
      // Another process took the free port between the probe and the proxy's bind: retry.
      if (attempt < 4 && /in use/i.test(stderr)) continue
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`${kind} exited (${String(child.exitCode ?? child.signalCode)}):\n${stderr}`)
    }
    return {
      kind,
      port,
      url,
      stderr: () => stderr,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM')
          await exited
        }
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}
