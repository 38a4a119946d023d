import { useEffect, useState } from 'preact/hooks'

/** What `/healthz` tells about the server. */
export interface ServerInfo {
  version?: string
  node?: string
}

const parseInfo = (body: unknown): ServerInfo => {
  if (typeof body !== 'object' || body === null) return {}
  const info: ServerInfo = {}
  if ('version' in body && typeof body.version === 'string') info.version = body.version
  if ('node' in body && typeof body.node === 'string') info.node = body.node
  return info
}

/** The server's version and node from `/healthz`; 'unavailable' when it cannot be read. */
export const useServerInfo = (): ServerInfo | 'loading' | 'unavailable' => {
  const [info, setInfo] = useState<ServerInfo | 'loading' | 'unavailable'>('loading')
  useEffect(() => {
    const abort = new AbortController()
    fetch('/healthz', { signal: abort.signal, cache: 'no-store' })
      .then(async (response) => {
        if (!response.ok) throw new Error(`/healthz answered ${response.status}`)
        setInfo(parseInfo(await response.json()))
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return
        setInfo('unavailable')
        console.warn('could not read the server version', error)
      })
    return () => {
      abort.abort()
    }
  }, [])
  return info
}
