import { Icon } from './icons.tsx'
import type { NotificationItem } from './notify-event.ts'
import { fullTime, relativeTime } from './relative-time.ts'

interface Props {
  item: NotificationItem
  nowMs: number
  /** A call about this one is on its way. */
  isBusy: boolean
  onRead: (id: string) => void
  onDismiss: (id: string) => void
}

/** One notification of the inbox: unread ones stand out and can be marked read; any dismissed. */
export const NotificationRow = ({ item, nowMs, isBusy, onRead, onDismiss }: Props) => (
  <li class={item.read ? 'note' : 'note note--unread'} data-id={item.id}>
    <span class="note__dot" aria-hidden="true" />
    <div class="note__main">
      <p class="note__head">
        <span class="note__title">
          {item.read ? null : <span class="visually-hidden">Unread: </span>}
          {item.title}
        </span>
        <time
          class="note__time"
          dateTime={new Date(item.time).toISOString()}
          title={fullTime(item.time)}
        >
          {relativeTime(item.time, nowMs)}
        </time>
      </p>
      {item.body === '' ? null : <p class="note__body">{item.body}</p>}
    </div>
    <div class="note__actions">
      {item.read ? null : (
        <button
          type="button"
          class="button button--quiet button--small"
          aria-label={`Mark “${item.title}” read`}
          disabled={isBusy}
          onClick={() => {
            onRead(item.id)
          }}
        >
          <Icon name="check" size={14} />
          <span class="note__action-text">Mark read</span>
        </button>
      )}
      <button
        type="button"
        class="icon-button"
        aria-label={`Dismiss “${item.title}”`}
        title="Dismiss"
        disabled={isBusy}
        onClick={() => {
          onDismiss(item.id)
        }}
      >
        <Icon name="close" size={16} />
      </button>
    </div>
  </li>
)
