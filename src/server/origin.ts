const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Whether a WebSocket upgrade with this `Origin` may proceed: no Origin (not a browser), the
 * page's own origin (same host as the request), localhost, or an origin in `allowed` (`'*'`
 * allows any). Origins are compared in their normalised form (`https://example.com`).
 */
export const isOriginAllowed = (
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean => {
  if (origin === undefined || allowed.includes('*')) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false // "null" (sandboxed pages, file://) and garbage are not origins we can vouch for
  }
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true
  if (LOCAL_HOSTNAMES.has(url.hostname) || url.hostname.endsWith('.localhost')) return true
  return allowed.some((entry) => {
    try {
      return new URL(entry).origin === url.origin
    } catch {
      return false
    }
  })
}
