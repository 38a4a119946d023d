/**
 * Who a connection is (docs/security.md): anonymous identities the server issues and nobody can
 * take over, JWTs verified with `jose` (the pitfalls table), `anonymous: false`, token refresh
 * and expiry, JWKS with key rotation. Real sockets on loopback, real HTTP for the JWKS.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createNotifyApp } from '../src/apps/index.js'
import { JwtConfigError, createJwtAuthenticator, createServer } from '../src/server/index.js'
import { opened } from './support/frames.js'
import { useServer } from './support/harness.js'
import { TestClient, credentialOf } from './support/protocol-client.js'

const SECRET = 'a-jwt-secret-for-tests-of-32-chars!'
const { start, connect, url, track } = useServer({ apps: [createNotifyApp()] })

const nowS = (): number => Math.floor(Date.now() / 1000)

/** An HS256 token for `sub` signed with `secret`; `claims` are added or override. */
const hs256 = (claims: Record<string, unknown>, secret = SECRET, alg = 'HS256') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setIssuedAt()
    .sign(new TextEncoder().encode(secret))

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Sends connect with `fields` on a fresh socket; resolves with the reply and the close code. */
const tryConnect = async (fields: Record<string, unknown>) => {
  const client = track(new TestClient(url()))
  await opened(client.ws)
  const reply = await client.call({ type: 'connect', name: 'Tester', ...fields })
  return { client, reply }
}

const refusedWith = async (fields: Record<string, unknown>) => {
  const { client, reply } = await tryConnect(fields)
  const error = (reply as { error?: { code: string; message: string } }).error
  return { error, close: (await client.closed).code }
}

describe('anonymous identity', () => {
  it('cannot be taken over: a public id, a made-up or tampered credential gets a fresh identity', async () => {
    await start()
    const victim = await connect('Vic')
    const user = String(victim.member?.user)
    const credential = credentialOf(victim)
    const [, id, mac] = credential.split('.')
    const other = await createServer({ port: 0, secret: 'another-server-secret-of-32-chars!!' })
    const stranger = await TestClient.connect(`ws://localhost:${other.port}/`)
    const forged = [
      user,
      user.slice('anon:'.length),
      `a1.${user.slice('anon:'.length)}.${mac}`,
      `a1.${id}.${'A'.repeat(mac?.length ?? 43)}`,
      `a1.${id}.${mac?.slice(0, -2)}`,
      `a1.${id}`,
      credentialOf(stranger),
      'x'.repeat(256),
    ]
    await stranger.close()
    await other.close()
    for (const attempt of forged) {
      const mallory = await connect('Mallory', { credential: attempt, anonId: user })
      expect(mallory.member?.user).toMatch(/^anon:[\w-]{16}$/)
      expect(mallory.member?.user).not.toBe(user)
      await expect(
        mallory.request({ type: 'subscribe', channel: `notify:${user}` }),
      ).rejects.toThrow(/^forbidden/)
      await expect(mallory.request({ type: 'rpc', method: 'notify.list' })).resolves.toEqual({
        items: [],
        unread: 0,
      })
    }
    // Past the field's 256 characters it is a broken connect frame: close 4500.
    const broken = track(new TestClient(url()))
    await opened(broken.ws)
    broken.send({ type: 'connect', id: 1, credential: 'x'.repeat(257) })
    expect((await broken.closed).code).toBe(4500)
    // The holder of the credential is still the victim.
    const again = await connect('Vic', { credential })
    expect(again.member?.user).toBe(user)
  })

  it('is refused altogether with anonymous: false (close 4501), while tokens connect', async () => {
    await start({ anonymous: false, jwt: { secret: SECRET } })
    expect(await refusedWith({})).toEqual({
      error: { code: 'unauthorized', message: 'this server requires a token' },
      close: 4501,
    })
    const alice = await connect('Alice', { token: await hs256({ sub: 'alice' }) })
    expect(alice.member?.user).toBe('alice')
  })
})

describe('JWT', () => {
  it('connects as the token sub, with its name and info, and grants nothing to a look-alike', async () => {
    await start({ jwt: { secret: SECRET } })
    const token = await hs256({ sub: 'alice', name: 'Alice A.', info: { role: 'editor' } })
    const { reply } = await tryConnect({ token, name: undefined })
    expect(reply).toMatchObject({
      result: { user: 'alice', name: 'Alice A.', info: { role: 'editor' } },
    })
    expect((reply as { result: Record<string, unknown> }).result).not.toHaveProperty('credential')
    // A token's user is not anonymous: its notify channel is its own.
    const alice = await connect('Alice', { token })
    await alice.request({ type: 'subscribe', channel: 'notify:alice' })
    const anon = await connect('alice')
    await expect(anon.request({ type: 'subscribe', channel: 'notify:alice' })).rejects.toThrow(
      /^forbidden/,
    )
  })

  it('refuses every token pitfall with unauthorized and close 4501 (HS256 server)', async () => {
    await start({ jwt: { secret: SECRET, audience: 'hubbub-test', issuer: 'https://issuer' } })
    const good = { sub: 'alice', aud: 'hubbub-test', iss: 'https://issuer' }
    const cases: [string, string, RegExp][] = [
      ['wrong signature', await hs256(good, 'some-other-secret-that-is-32-chars!'), /signature/],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(good)}.`, /malformed|algorithm/],
      ['alg none, signature kept', `${b64({ alg: 'none' })}.${b64(good)}.c2ln`, /malformed|alg/],
      ['expired', await hs256({ ...good, exp: nowS() - 60 }), /expired/],
      ['not yet valid', await hs256({ ...good, nbf: nowS() + 60 }), /not valid yet/],
      ['wrong audience', await hs256({ ...good, aud: 'another-app' }), /claim aud/],
      ['no audience', await hs256({ sub: 'alice', iss: 'https://issuer' }), /claim aud/],
      ['wrong issuer', await hs256({ ...good, iss: 'https://evil' }), /claim iss/],
      ['no sub', await hs256({ aud: good.aud, iss: good.iss }), /sub/],
      ['anonymous sub', await hs256({ ...good, sub: 'anon:AAAAAAAAAAAAAAAA' }), /anon:/],
      ['the server as sub', await hs256({ ...good, sub: 'server' }), /reserved/],
      ['name not a string', await hs256({ ...good, name: 42 }), /name/],
      ['channels not patterns', await hs256({ ...good, channels: 'notify:*' }), /channels/],
      ['garbage', 'not-a-jwt', /malformed/],
      ['three dots of garbage', 'a.b.c', /malformed/],
      ['header of garbage', `${b64('x')}.${b64(good)}.AAAA`, /malformed/],
    ]
    for (const [what, token, message] of cases) {
      const { error, close } = await refusedWith({ token })
      expect({ what, code: error?.code, close }).toEqual({
        what,
        code: 'unauthorized',
        close: 4501,
      })
      expect(error?.message, what).toMatch(message)
    }
    // Inside the default 5 s of clock skew, a just-expired token still connects.
    const skewed = await hs256({ ...good, exp: nowS() - 1 })
    expect((await tryConnect({ token: skewed })).reply).toMatchObject({ result: { user: 'alice' } })
  })

  it('pins the algorithm to the public key: HS256 signed with the public key is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const pem = await exportSPKI(publicKey)
    await start({ jwt: { publicKey: pem } })
    const rs256 = await new SignJWT({ sub: 'bob' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey)
    expect((await tryConnect({ token: rs256 })).reply).toMatchObject({ result: { user: 'bob' } })
    // The classic confusion: the public key's PEM bytes used as an HMAC secret.
    const confused = await hs256({ sub: 'bob' }, pem)
    expect(await refusedWith({ token: confused })).toMatchObject({
      error: { code: 'unauthorized', message: 'token algorithm is not allowed' },
      close: 4501,
    })
    const other = await generateKeyPair('RS256')
    const foreign = await new SignJWT({ sub: 'bob' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(other.privateKey)
    expect(await refusedWith({ token: foreign })).toMatchObject({
      error: { message: 'token signature is invalid' },
      close: 4501,
    })
  })

  it('takes EdDSA and ES256 keys, each only for its own algorithm', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg)
      const server = await start({ jwt: { publicKey: await exportSPKI(publicKey) } })
      const token = await new SignJWT({ sub: `${alg}-user` })
        .setProtectedHeader({ alg })
        .sign(privateKey)
      expect((await tryConnect({ token })).reply).toMatchObject({ result: { user: `${alg}-user` } })
      const confused = alg === 'EdDSA' ? 'ES256' : 'EdDSA'
      const other = await generateKeyPair(confused)
      const wrongFamily = await new SignJWT({ sub: 'x' })
        .setProtectedHeader({ alg: confused })
        .sign(other.privateKey)
      expect(await refusedWith({ token: wrongFamily })).toMatchObject({
        error: { message: 'token algorithm is not allowed' },
      })
      await server.close()
    }
  })

  it('refuses configurations that cannot work, naming the option', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true })
    const { exportPKCS8 } = await import('jose')
    const bad: [Parameters<typeof createJwtAuthenticator>[0], RegExp][] = [
      [{ secret: 'short' }, /jwt.secret must be at least 32/],
      [{}, /exactly one of/],
      [{ secret: SECRET, jwksUrl: 'https://x/jwks' }, /exactly one of/],
      [{ publicKey: await exportPKCS8(privateKey) }, /private key/],
      [{ publicKey: 'not a pem' }, /jwt.publicKey: not a PEM/],
      [{ jwksUrl: 'file:///etc/passwd' }, /http or https/],
    ]
    for (const [options, message] of bad) {
      expect(() => createJwtAuthenticator(options)).toThrow(JwtConfigError)
      expect(() => createJwtAuthenticator(options)).toThrow(message)
    }
  })
})

describe('JWKS', () => {
  let jwks: Server | undefined
  afterEach(async () => {
    await new Promise((resolve) => jwks?.close(resolve))
    jwks = undefined
  })

  it('verifies with fetched keys and fetches again for an unknown kid (key rotation)', async () => {
    const keys: JWK[] = []
    let fetches = 0
    jwks = createHttpServer((_req, res) => {
      fetches++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys }))
    })
    await new Promise<void>((resolve) => jwks?.listen(0, '127.0.0.1', resolve))
    const { port } = jwks.address() as AddressInfo
    const addKey = async (kid: string) => {
      const pair = await generateKeyPair('ES256')
      keys.push({ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' })
      return (sub: string) =>
        new SignJWT({ sub }).setProtectedHeader({ alg: 'ES256', kid }).sign(pair.privateKey)
    }
    const signOld = await addKey('k1')
    await start({ jwt: { jwksUrl: `http://127.0.0.1:${port}/jwks.json`, jwksCooldownMs: 0 } })
    expect((await tryConnect({ token: await signOld('carol') })).reply).toMatchObject({
      result: { user: 'carol' },
    })
    expect((await tryConnect({ token: await signOld('carol') })).reply).toMatchObject({
      result: { user: 'carol' },
    })
    expect(fetches).toBe(1)
    // The issuer rotates: a token with the new kid makes the server fetch the set again.
    const signNew = await addKey('k2')
    expect((await tryConnect({ token: await signNew('dave') })).reply).toMatchObject({
      result: { user: 'dave' },
    })
    expect(fetches).toBe(2)
    // A kid that is in no set is refused (after one more look).
    const stray = await generateKeyPair('ES256')
    const unknown = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k9' })
      .sign(stray.privateKey)
    expect(await refusedWith({ token: unknown })).toMatchObject({
      error: { message: 'token key is unknown' },
      close: 4501,
    })
    // An HS256 token naming a JWKS kid is never checked against it.
    const hs = await new SignJWT({ sub: 'eve' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(JSON.stringify(keys[0])))
    expect(await refusedWith({ token: hs })).toMatchObject({ close: 4501 })
  })
})

describe('expiry and refresh', () => {
  it('closes 4003 when the token expires, unless a refresh for the same user came first', async () => {
    await start({ jwt: { secret: SECRET, clockToleranceMs: 0 } })
    const soon = nowS() + 2
    const alice = await connect('Alice', { token: await hs256({ sub: 'alice', exp: soon }) })
    expect((alice.member as unknown as { expiresAt: number }).expiresAt).toBe(soon * 1000)
    const bob = await connect('Bob', { token: await hs256({ sub: 'bob', exp: soon }) })

    // Refresh: for another user it is refused, a bad token too; the connection stays.
    await expect(
      alice.request({ type: 'refresh', token: await hs256({ sub: 'mallory' }) }),
    ).rejects.toThrow(/^forbidden/)
    await expect(alice.request({ type: 'refresh', token: 'junk' })).rejects.toThrow(/^unauthorized/)
    const later = nowS() + 3_600
    expect(
      await alice.request({ type: 'refresh', token: await hs256({ sub: 'alice', exp: later }) }),
    ).toEqual({ expiresAt: later * 1000 })

    expect((await bob.closed).code).toBe(4003)
    await alice.request({ type: 'subscribe', channel: 'room:after-expiry' })
    expect(alice.ws.readyState).toBe(alice.ws.OPEN)
  })

  it('refuses refresh on an anonymous connection', async () => {
    await start({ jwt: { secret: SECRET } })
    const anon = await connect('Anon')
    await expect(
      anon.request({ type: 'refresh', token: await hs256({ sub: 'alice' }) }),
    ).rejects.toThrow(/^bad_request/)
  })
})
