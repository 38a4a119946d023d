import { useEffect, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'

/**
 * The user id the server gave this page's connection (`anon:<anonId>` for this browser), once
 * connected. Every tab of the browser has the same one.
 */
export const useUser = (client: Client): string | undefined => {
  const [user, setUser] = useState(() => client.session?.user)
  useEffect(() => {
    setUser(client.session?.user)
    return client.on('connected', (session) => {
      setUser(session.user)
    })
  }, [client])
  return user
}
