import type { ConnectionView } from '../src/use-connection.ts'
import { NotificationRow } from './NotificationRow.tsx'
import type { InboxView } from './use-inbox.ts'
import { useNow } from './use-now.ts'

interface Props {
  inbox: InboxView
  connection: ConnectionView
}

/** The inbox: newest first, unread ones marked, with mark read, dismiss and mark all read. */
export const InboxPanel = ({ inbox, connection }: Props) => {
  const nowMs = useNow()
  const { items, unread, pending } = inbox
  const isOnline = connection === 'connected'
  return (
    <section class="card inbox" id="inbox" aria-labelledby="inbox-heading" tabIndex={-1}>
      <div class="inbox__head">
        <h2 id="inbox-heading" class="inbox__title">
          Inbox
        </h2>
        <span class="inbox__unread" data-testid="unread-count">
          {unread === undefined ? '' : unread === 0 ? 'all read' : `${unread} unread`}
        </span>
        <button
          type="button"
          class="button button--quiet button--small inbox__all"
          disabled={!isOnline || unread === 0 || unread === undefined || pending.has('*')}
          onClick={inbox.readAll}
        >
          Mark all read
        </button>
      </div>
      {inbox.error === undefined ? null : (
        <p class="inbox__error" role="alert">
          {inbox.error}
        </p>
      )}
      {items === undefined ? (
        <p class="inbox__empty">Loading…</p>
      ) : items.length === 0 ? (
        <div class="inbox__empty">
          <p class="inbox__empty-title">Nothing here yet</p>
          <p>Turn on the demo, or send a notification to yourself or a friend.</p>
        </div>
      ) : (
        <ul class="inbox__list" data-testid="inbox">
          {items.map((item) => (
            <NotificationRow
              key={item.id}
              item={item}
              nowMs={nowMs}
              isBusy={!isOnline || pending.has(item.id)}
              onRead={inbox.read}
              onDismiss={inbox.dismiss}
            />
          ))}
        </ul>
      )}
    </section>
  )
}
