import { Icon } from './icons.tsx'
import type { NotificationItem } from './notify-event.ts'

interface Props {
  toasts: readonly NotificationItem[]
  onRead: (id: string) => void
  onClose: (id: string) => void
}

/** Arriving notifications, briefly, in a corner; read out politely by screen readers. */
export const ToastStack = ({ toasts, onRead, onClose }: Props) => (
  <div class="toasts" aria-live="polite" aria-relevant="additions" aria-label="New notifications">
    {toasts.map((item) => (
      <div key={item.id} class="toast" data-testid="toast" data-id={item.id}>
        <span class="toast__icon">
          <Icon name="bell" size={18} />
        </span>
        <div class="toast__main">
          <p class="toast__title">{item.title}</p>
          {item.body === '' ? null : <p class="toast__body">{item.body}</p>}
          <button
            type="button"
            class="link-button toast__read"
            onClick={() => {
              onRead(item.id)
              onClose(item.id)
            }}
          >
            Mark read
          </button>
        </div>
        <button
          type="button"
          class="icon-button toast__close"
          aria-label={`Close “${item.title}”`}
          onClick={() => {
            onClose(item.id)
          }}
        >
          <Icon name="close" size={16} />
        </button>
      </div>
    ))}
  </div>
)
