import type { Client } from '../../src/client/index.ts'
import { useConnection, type ConnectionView } from './use-connection.ts'

const LABELS: Record<ConnectionView, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
}

/** A dot and a word for the connection; announced politely to screen readers when it changes. */
export const ConnectionStatus = ({ client }: { client: Client }) => {
  const view = useConnection(client)
  return (
    <p class={`status status--${view}`} role="status" data-state={view}>
      <span class="status__dot" aria-hidden="true" />
      {LABELS[view]}
    </p>
  )
}
