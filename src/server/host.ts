import { isIP } from 'node:net'
import { hostname } from 'node:os'

/**
 * The host name of a `Host` header (`chat.example.com:8765` → `chat.example.com`, `[::1]:80` →
 * `::1`), lower-cased; undefined when it is not a plausible host.
 */
export const hostOfHeader = (header: string): string | undefined => {
  const value = header.trim().toLowerCase()
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value)
  if (bracketed !== null) return bracketed[1]
  const match = /^([a-z0-9._-]+)(?::\d{1,5})?$/.exec(value)
  return match?.[1]?.replace(/\.$/, '')
}

/**
 * Whether a request's `Host` header names this server, which is what stops DNS rebinding (a page
 * of `evil.example` whose name now points at 127.0.0.1 sends `Host: evil.example`). Allowed:
 * no header (not a browser), `localhost` and `*.localhost`, IP addresses, this machine's host
 * name (and `<name>.local`), and `publicHosts` (`'*'` allows any host). Names compare case-insensitively.
 */
export const isHostAllowed = (
  header: string | undefined,
  publicHosts: readonly string[],
  machine: string = hostname(),
): boolean => {
  if (header === undefined || publicHosts.includes('*')) return true
  const host = hostOfHeader(header)
  if (host === undefined) return false
  if (host === 'localhost' || host.endsWith('.localhost') || isIP(host) !== 0) return true
  // This machine by its name, bare or as the LAN's mDNS announces it (`name.local`).
  const name = machine.toLowerCase()
  if (host === name || host === `${name}.local`) return true
  return publicHosts.some((name) => name.toLowerCase().replace(/\.$/, '') === host)
}

/**
 * The client's address: the socket's, or behind a trusted reverse proxy the last entry of
 * `X-Forwarded-For` (the one the proxy appended; earlier ones are the client's own claims). A
 * missing or malformed header falls back to the socket's address.
 */
export const clientAddress = (
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: boolean,
): string => {
  const direct = socketAddress ?? 'unknown'
  if (!trustProxy || forwardedFor === undefined) return direct
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor
  const last = header.split(',').at(-1)?.trim() ?? ''
  return isIP(last) !== 0 ? last : direct
}
