/**
 * The network edge (docs/security.md): which browser origins may open WebSockets (the Origin
 * matrix), the Host check that stops DNS rebinding, and `trustProxy` for per-IP limits behind a
 * reverse proxy. Real upgrades and real HTTP requests on loopback, with the headers an attacker or
 * a proxy would send.
 */
import { once } from 'node:events'
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createServer, type HubbubServer, type ServerOptions } from '../src/server/index.js'
import { cliEnv, run } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'

let server: HubbubServer | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await server?.close()
  server = undefined
})

const start = async (options: ServerOptions = {}): Promise<HubbubServer> => {
  server = await createServer({ port: 0, host: '127.0.0.1', ...options })
  return server
}

/** Tries an upgrade with these headers: `open`, or the HTTP status it was refused with. */
const upgrade = async (
  port: number,
  headers: Record<string, string>,
  localAddress = '127.0.0.1',
): Promise<number | string> => {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, 'hubbub.v1', { headers, localAddress })
  sockets.push(socket)
  return await new Promise((resolve) => {
    socket.once('open', () => {
      resolve('open')
    })
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
    })
    socket.once('error', (err) => {
      resolve(err.message)
    })
  })
}

/** A plain HTTP GET with a chosen Host header: the status and the body. */
const get = (port: number, path: string, host: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, headers: { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body })
      })
    })
    req.on('error', reject)
    req.end()
  })

describe('origins', () => {
  it('lets in non-browsers, the same origin, localhost and listed origins; refuses the rest', async () => {
    const { port } = await start({ allowedOrigins: ['https://app.example.com'] })
    const host = `127.0.0.1:${port}`
    const matrix: [string | undefined, number | 'open'][] = [
      [undefined, 'open'], // not a browser
      [`http://${host}`, 'open'], // the page's own origin
      [`https://${host}`, 'open'], // same host, other scheme: still this server's page
      ['http://localhost:5173', 'open'], // a local dev server
      ['http://app.localhost', 'open'],
      ['https://app.example.com', 'open'], // listed
      ['https://APP.example.com', 'open'], // origins compare case-insensitively in the host
      ['http://app.example.com', 403], // another scheme is another origin
      ['https://app.example.com:8443', 403], // another port too
      ['https://evil.example', 403],
      ['https://app.example.com.evil.example', 403],
      ['https://localhost.evil.example', 403],
      ['null', 403], // sandboxed iframes, file:// pages
      ['garbage', 403],
    ]
    for (const [origin, expected] of matrix) {
      const outcome = await upgrade(port, origin === undefined ? {} : { origin })
      expect({ origin, outcome }).toEqual({ origin, outcome: expected })
    }
  })

  it('lets in any origin with *', async () => {
    const { port } = await start({ allowedOrigins: ['*'] })
    expect(await upgrade(port, { origin: 'https://evil.example' })).toBe('open')
  })
})

describe('host names', () => {
  it('refuses a rebinding attack: another name for this address gets 403 on every path', async () => {
    const { port } = await start()
    for (const path of ['/', '/healthz', '/hubbub.js', '/api/publish'])
      expect(await get(port, path, `evil.example:${port}`)).toMatchObject({
        status: 403,
        body: expect.stringContaining('evil.example') as string,
      })
    expect(await upgrade(port, { host: `evil.example:${port}` })).toBe(403)
    // The names a local server really has are fine.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
      expect((await get(port, '/healthz', host)).status).toBe(200)
  })

  it('answers the configured public hosts, and any with *', async () => {
    const { port } = await start({ publicHosts: ['chat.example.com'] })
    expect((await get(port, '/healthz', 'chat.example.com')).status).toBe(200)
    expect(await upgrade(port, { host: 'Chat.Example.com:443' })).toBe('open')
    expect((await get(port, '/healthz', 'other.example.com')).status).toBe(403)
    await server?.close()
    const open = await start({ publicHosts: ['*'] })
    expect((await get(open.port, '/healthz', 'anything.example')).status).toBe(200)
  })
})

describe('trustProxy', () => {
  it('is off by default: X-Forwarded-For cannot dodge the per-IP limit', async () => {
    const { port } = await start({ maxConnectionsPerIp: 2 })
    const outcomes: string[] = []
    for (let i = 0; i < 4; i++) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`, 'hubbub.v1', {
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
      })
      sockets.push(socket)
      await once(socket, 'open')
      const [code] = (await Promise.race([
        once(socket, 'close'),
        new Promise((resolve) => {
          socket.send(JSON.stringify({ type: 'connect', id: 1 }))
          socket.once('message', () => {
            resolve(['connected'])
          })
        }),
      ])) as [number | string]
      outcomes.push(String(code))
    }
    expect(outcomes).toEqual(['connected', 'connected', '1013', '1013'])
  })

  it('when on, counts each forwarded client address on its own', async () => {
    const { port } = await start({ maxConnectionsPerIp: 1, trustProxy: true })
    const connectFrom = async (forwarded: string) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`, 'hubbub.v1', {
        headers: { 'x-forwarded-for': forwarded },
      })
      sockets.push(socket)
      await once(socket, 'open')
      return await new Promise<string>((resolve) => {
        socket.once('close', (code) => {
          resolve(String(code))
        })
        socket.once('message', () => {
          resolve('connected')
        })
        socket.send(JSON.stringify({ type: 'connect', id: 1 }))
      })
    }
    expect(await connectFrom('203.0.113.1')).toBe('connected')
    expect(await connectFrom('198.51.100.9, 203.0.113.2')).toBe('connected')
    // The proxy's entry is the last one: what the client wrote before it does not count.
    expect(await connectFrom('203.0.113.9, 203.0.113.1')).toBe('1013')
    // A malformed header falls back to the socket's address (127.0.0.1), which has one left.
    expect(await connectFrom('not an address')).toBe('connected')
    expect(await connectFrom('still not')).toBe('1013')
  })
})

describe('hubbub serve network flags', () => {
  const { serve } = useServeProcesses()

  it('takes --allowed-origin and --public-host (and --trust-proxy)', async () => {
    const { port } = await serve([
      '--memory',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--allowed-origin',
      'https://app.example.com',
      '--allowed-origin',
      'https://admin.example.com',
      '--public-host',
      'chat.example.com',
      '--trust-proxy',
    ])
    expect(await upgrade(port, { origin: 'https://admin.example.com' })).toBe('open')
    expect(await upgrade(port, { origin: 'https://evil.example' })).toBe(403)
    expect((await get(port, '/healthz', 'chat.example.com')).status).toBe(200)
    expect((await get(port, '/healthz', 'evil.example')).status).toBe(403)
  })

  it('takes them from the environment too', async () => {
    const { port } = await serve(['--memory', '--host', '127.0.0.1', '--port', '0'], {
      HUBBUB_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      HUBBUB_PUBLIC_HOSTS: 'chat.example.com',
    })
    expect(await upgrade(port, { origin: 'https://b.example' })).toBe('open')
    expect((await get(port, '/healthz', 'chat.example.com')).status).toBe(200)
  })

  it('refuses a bad origin or HUBBUB_TRUST_PROXY, exit 2', async () => {
    for (const [args, env, message] of [
      [['--allowed-origin', 'app.example.com'], {}, /invalid --allowed-origin "app.example.com"/],
      [['--allowed-origin', 'https://a.example/path'], {}, /invalid --allowed-origin/],
      [[], { HUBBUB_TRUST_PROXY: 'maybe' }, /invalid HUBBUB_TRUST_PROXY "maybe"/],
    ] as const) {
      const outcome = await run(['serve', '--memory', '--port', '0', ...args], {
        env: cliEnv(env),
      })
      expect(outcome.code).toBe(2)
      expect(outcome.stderr).toMatch(message)
    }
  })
})
