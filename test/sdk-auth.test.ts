/**
 * Identity through the SDK: an anonymous client keeps its server-issued identity across
 * reconnects, and a token function is asked again for refreshes before expiry and for every
 * reconnect. Real server, real sockets, a cutting proxy to drop links.
 */
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createHarness, nextEvent } from './support/sdk.js'

const SECRET = 'sdk-auth-test-secret-of-32-chars!!!'
const h = createHarness()
afterEach(() => h.cleanUp())

const mint = (sub: string, ttlS: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS)
    .sign(new TextEncoder().encode(SECRET))

describe('anonymous', () => {
  it('stays the same user across reconnects, and a second client given the credential is too', async () => {
    const server = await h.server()
    const proxy = await h.proxy(server.port)
    const client = h.client(proxy.port, { minReconnectDelayMs: 1, maxReconnectDelayMs: 5 })
    const first = await nextEvent(client, 'connected')
    const reconnected = nextEvent(client, 'connected')
    proxy.cut()
    const second = await reconnected
    expect(second.client).not.toBe(first.client)
    expect(second.user).toBe(first.user)
    const tab = h.client(server.port, { credential: first.credential })
    expect((await nextEvent(tab, 'connected')).user).toBe(first.user)
    const stranger = h.client(server.port)
    expect((await nextEvent(stranger, 'connected')).user).not.toBe(first.user)
  })
})

describe('token function', () => {
  it('is asked again before expiry and the connection is refreshed, never closed 4003', async () => {
    const server = await h.server({ jwt: { secret: SECRET, clockToleranceMs: 0 } })
    const issued: number[] = []
    let onRefresh: () => void = () => undefined
    const refreshed = new Promise<void>((resolve) => {
      onRefresh = resolve
    })
    const client = h.client(server.port, {
      // Two-second tokens; refresh 1 s before expiry (capped at a fifth of the lifetime).
      refreshBeforeExpiryMs: 1_000,
      token: async () => {
        issued.push(Date.now())
        if (issued.length === 2) onRefresh()
        return await mint('alice', issued.length === 1 ? 2 : 3_600)
      },
    })
    const session = await nextEvent(client, 'connected')
    expect(session.user).toBe('alice')
    const closes: number[] = []
    client.on('disconnected', ({ code }) => closes.push(code))
    // The refreshed connection outlives the first token: its channel still works after expiry.
    const sub = client.channel('room:refresh')
    await nextEvent(sub, 'subscribed')
    await refreshed
    expect(issued[1] ?? 0).toBeLessThan(session.expiresAt ?? 0)
    // Not an event to await but a moment to be past: the first token's expiry.
    const pastExpiryMs = Math.max(0, (session.expiresAt ?? 0) - Date.now() + 200)
    await new Promise((resolve) => setTimeout(resolve, pastExpiryMs))
    await expect(client.rpc('nope')).rejects.toThrow(/no rpc method/)
    expect(closes).toEqual([])
    expect(client.state).toBe('connected')
  })

  it('is asked again for the reconnect after a 4003 expiry', async () => {
    const server = await h.server({ jwt: { secret: SECRET, clockToleranceMs: 0 } })
    let calls = 0
    const client = h.client(server.port, {
      minReconnectDelayMs: 1,
      maxReconnectDelayMs: 5,
      // No refresh: a lead of 0 ms leaves the token to expire.
      refreshBeforeExpiryMs: 0,
      // The first call's user, then another: which one a connection is tells which call it used.
      token: async () => await mint(++calls === 1 ? 'first' : 'later', calls === 1 ? 1 : 3_600),
    })
    expect((await nextEvent(client, 'connected')).user).toBe('first')
    expect((await nextEvent(client, 'disconnected')).code).toBe(4003)
    expect((await nextEvent(client, 'connected')).user).toBe('later')
  })
})
