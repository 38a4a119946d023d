/**
 * TLS (docs/security.md): with a certificate, one port serves https and wss; the pair can be
 * replaced while running (`setTls`, and SIGHUP for `hubbub serve`); a bad pair is refused and the
 * old one kept. Certificates are made by the test with openssl; clients are real TLS clients.
 */
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { createCertificates } from './support/certificates.js'
import { cliEnv, run } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'
import { TestClient } from './support/protocol-client.js'

const certificates = createCertificates()
const first = certificates.make('first')
const second = certificates.make('second')
afterAll(() => {
  certificates.remove()
})

let server: HubbubServer | undefined
const clients: TestClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate()
  await server?.close()
  server = undefined
})

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` is shown. */
const peerFingerprint = async (port: number): Promise<string> => {
  const socket = tlsConnect({
    port,
    host: '127.0.0.1',
    servername: 'localhost',
    rejectUnauthorized: false,
  })
  await once(socket, 'secureConnect')
  const fingerprint = socket.getPeerCertificate().fingerprint256
  socket.destroy()
  return fingerprint
}

const getJson = (url: string, ca: string): Promise<{ status: number; body: unknown }> =>
  new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) })
      })
    }).on('error', reject)
  })

describe('createServer with tls', () => {
  it('serves https and wss on one port, to clients that trust its certificate', async () => {
    server = await createServer({ port: 0, tls: { cert: first.cert, key: first.key } })
    expect(server.url).toBe(`https://localhost:${server.port}`)
    expect(await getJson(`${server.url}/healthz`, first.cert)).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    })

    const url = `wss://localhost:${server.port}/`
    const alice = new TestClient(url, { ca: first.cert })
    clients.push(alice)
    await once(alice.ws, 'open')
    await alice.call({ type: 'connect', name: 'Alice' })
    await alice.request({ type: 'subscribe', channel: 'room:tls' })
    await server.hub.publish('room:tls', { text: 'over TLS' })
    expect((await alice.next('pub')).pub.data).toEqual({ text: 'over TLS' })

    // A client that does not trust it is refused by its own TLS; plain http gets nothing usable.
    const untrusting = new TestClient(url)
    clients.push(untrusting)
    const [error] = (await once(untrusting.ws, 'error')) as [Error]
    expect(error.message).toMatch(/self.signed|certificate/i)
    const plain = await new Promise<string>((resolve) => {
      httpGet(`http://127.0.0.1:${String(server?.port)}/healthz`, () => {
        resolve('answered')
      }).on('error', (err) => {
        resolve(err.message)
      })
    })
    expect(plain).not.toBe('answered')
  })

  it('swaps the certificate for new connections, and keeps the old one when the new pair is bad', async () => {
    server = await createServer({ port: 0, tls: { cert: first.cert, key: first.key } })
    const { port } = server
    expect(await peerFingerprint(port)).toBe(first.fingerprint)
    expect(() => server?.setTls({ cert: second.cert, key: first.key })).toThrow()
    expect(() => server?.setTls({ cert: 'not a pem', key: 'not a pem' })).toThrow()
    expect(await peerFingerprint(port)).toBe(first.fingerprint)
    server.setTls({ cert: second.cert, key: second.key })
    expect(await peerFingerprint(port)).toBe(second.fingerprint)
  })

  it('refuses setTls on a server without TLS', async () => {
    server = await createServer({ port: 0 })
    expect(() => server?.setTls({ cert: first.cert, key: first.key })).toThrow(/without TLS/)
  })
})

describe('hubbub serve --tls-cert --tls-key', () => {
  const { serve } = useServeProcesses()

  it('prints an https URL, serves wss, and reloads the files on SIGHUP', async () => {
    const cert = certificates.make('served')
    const served = await serve([
      '--memory',
      '--port',
      '0',
      '--log-level',
      'info',
      '--tls-cert',
      cert.certFile,
      '--tls-key',
      cert.keyFile,
    ])
    const { port } = served
    expect(served.line).toBe(`hubbub listening on https://localhost:${port}`)
    expect(await getJson(`https://localhost:${port}/healthz`, cert.cert)).toMatchObject({
      status: 200,
    })
    expect(await peerFingerprint(port)).toBe(cert.fingerprint)

    // Renewed in place, as certbot does, then SIGHUP.
    const renewed = certificates.make('renewed')
    writeFileSync(cert.certFile, renewed.cert)
    writeFileSync(cert.keyFile, renewed.key)
    const reloaded = new Promise<void>((resolve) => {
      served.child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('TLS certificate reloaded')) resolve()
      })
    })
    served.child.kill('SIGHUP')
    await reloaded
    expect(await peerFingerprint(port)).toBe(renewed.fingerprint)

    // A broken renewal is logged and the working pair stays.
    writeFileSync(cert.keyFile, 'garbage')
    const kept = new Promise<void>((resolve) => {
      served.child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('TLS certificate not reloaded')) resolve()
      })
    })
    served.child.kill('SIGHUP')
    await kept
    expect(await peerFingerprint(port)).toBe(renewed.fingerprint)
    expect(await served.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  })

  it('says what is wrong with the TLS flags, exit 2', async () => {
    const cert = certificates.make()
    const broken = `${certificates.dir}/broken.pem`
    writeFileSync(broken, 'not a certificate')
    const cases: [string[], RegExp][] = [
      [['--tls-cert', cert.certFile], /--tls-cert needs --tls-key/],
      [['--tls-key', cert.keyFile], /--tls-key needs --tls-cert/],
      [['--tls-cert', '/nonexistent.pem', '--tls-key', cert.keyFile], /cannot read --tls-cert/],
      [['--tls-cert', broken, '--tls-key', cert.keyFile], /are not a usable pair/],
      [['--tls-cert', cert.certFile, '--tls-key', first.keyFile], /are not a usable pair/],
    ]
    for (const [args, message] of cases) {
      const outcome = await run(['serve', '--memory', '--port', '0', ...args], { env: cliEnv() })
      expect({ args, code: outcome.code }).toEqual({ args, code: 2 })
      expect(outcome.stderr).toMatch(message)
    }
  })
})
