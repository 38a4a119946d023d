/**
 * Static files over HTTP: `staticDir` is served with the right types and cache headers, index
 * pages for directories, redirects to the slash-terminated URL, nothing outside the directory;
 * the built-in page without it; and `hubbub serve` serving the built web apps.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { useServeProcesses } from './support/cli-process.js'

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as {
  version: string
}

/** A GET (or other method) with the path sent exactly as given, unlike `fetch`, which normalises it. */
const raw = (
  port: number,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}> =>
  new Promise((resolve, reject) => {
    const req = request({ host: 'localhost', port, path, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    })
    req.on('error', reject)
    req.end()
  })

describe('a server with staticDir', () => {
  // root/ is served; secret.txt beside it must never be.
  const parent = mkdtempSync(join(tmpdir(), 'hubbub-static-'))
  const root = join(parent, 'root')
  let server: HubbubServer

  beforeAll(async () => {
    mkdirSync(join(root, 'assets'), { recursive: true })
    mkdirSync(join(root, 'chat'))
    mkdirSync(join(root, 'empty'))
    writeFileSync(join(root, 'index.html'), '<h1>home</h1>')
    writeFileSync(join(root, 'chat', 'index.html'), '<h1>chat</h1>')
    writeFileSync(join(root, 'assets', 'app-Ab12.js'), 'export {}')
    writeFileSync(join(root, 'assets', 'app-Ab12.css'), 'body{}')
    writeFileSync(join(root, 'logo.svg'), '<svg/>')
    writeFileSync(join(root, '.env'), 'HIDDEN=1')
    writeFileSync(join(parent, 'secret.txt'), 'TOP SECRET')
    server = await createServer({ port: 0, staticDir: root })
  })
  afterAll(async () => {
    await server.close()
    rmSync(parent, { recursive: true, force: true })
  })

  it('serves files with their content type; hashed assets for good, the rest revalidated', async () => {
    const home = await raw(server.port, '/')
    expect(home).toMatchObject({ status: 200, body: '<h1>home</h1>' })
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(home.headers['cache-control']).toBe('no-cache')
    const script = await raw(server.port, '/assets/app-Ab12.js')
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await raw(server.port, '/assets/app-Ab12.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    )
    expect((await raw(server.port, '/logo.svg')).headers['content-type']).toBe('image/svg+xml')
    expect((await raw(server.port, '/index.html')).body).toBe('<h1>home</h1>')
  })

  it('serves index.html for a directory, and redirects to it without the slash', async () => {
    expect(await raw(server.port, '/chat/')).toMatchObject({ status: 200, body: '<h1>chat</h1>' })
    const redirect = await raw(server.port, '/chat?room=games')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe('/chat/?room=games')
    expect((await raw(server.port, '/empty/')).status).toBe(404)
  })

  it('answers HEAD without a body, and a matching ETag with 304', async () => {
    const head = await raw(server.port, '/chat/', 'HEAD')
    expect(head).toMatchObject({ status: 200, body: '' })
    expect(head.headers['content-length']).toBe(String('<h1>chat</h1>'.length))
    const etag = String(head.headers.etag)
    const again = await raw(server.port, '/chat/', 'GET', { 'if-none-match': etag })
    expect(again).toMatchObject({ status: 304, body: '' })
    expect((await raw(server.port, '/chat/', 'POST')).status).toBe(405)
  })

  it.each([
    '/../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/%00/index.html',
    '/index.html%00',
    '/%E0%A4%A',
    '/.env',
    '/missing.js',
  ])(
    'never serves anything outside the directory, dot-files or missing files: %s',
    async (path) => {
      const response = await raw(server.port, path)
      expect(response.status).toBe(404)
      expect(response.body).not.toContain('TOP SECRET')
      expect(response.body).not.toContain('HIDDEN')
    },
  )

  it('keeps /healthz, with the version, and /hubbub.js', async () => {
    const health = await raw(server.port, '/healthz')
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', version })
    expect((await raw(server.port, '/hubbub.js')).status).toBe(200)
  })
})

describe('a server without staticDir', () => {
  it('shows the built-in page at / and 404 elsewhere', async () => {
    const server = await createServer({ port: 0 })
    try {
      const home = await raw(server.port, '/')
      expect(home.status).toBe(200)
      expect(home.body).toContain('hubbub is running')
      expect((await raw(server.port, '/chat/')).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})

describe('hubbub serve', () => {
  const { serve } = useServeProcesses()

  it('serves the built web apps at /', async () => {
    const served = await serve(['--memory', '--port', '0'])
    const home = await raw(served.port, '/')
    expect(home.status).toBe(200)
    expect(home.body).toContain('<div id="app"></div>')
    const chat = await raw(served.port, '/chat/')
    expect(chat.body).toContain('<title>Chat · hubbub</title>')
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(chat.body)?.[1]
    expect(script).toBeDefined()
    const asset = await raw(served.port, script ?? '')
    expect(asset.status).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    await served.stop('SIGTERM')
  })
})
