import { useEffect, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'

/** How the page's link to the server looks to a person. */
export type ConnectionView = 'connecting' | 'connected' | 'reconnecting' | 'closed'

const viewOf = (client: Client, hasConnected: boolean): ConnectionView => {
  switch (client.state) {
    case 'connected':
      return 'connected'
    case 'closed':
      return 'closed'
    case 'connecting':
    case 'disconnected':
      return hasConnected ? 'reconnecting' : 'connecting'
  }
}

/** The client's connection as a {@link ConnectionView}, re-rendering on every change. */
export const useConnection = (client: Client): ConnectionView => {
  const [view, setView] = useState<ConnectionView>(() => viewOf(client, false))
  useEffect(() => {
    let hasConnected = client.state === 'connected'
    setView(viewOf(client, hasConnected))
    return client.on('state', ({ state }) => {
      if (state === 'connected') hasConnected = true
      setView(viewOf(client, hasConnected))
    })
  }, [client])
  return view
}
