import { Icon } from './icons.tsx'

/** Shown for counts above this. */
const MAX_SHOWN = 99

/** The bell in the page's header with the unread count; it leads to the inbox. */
export const UnreadBell = ({ unread }: { unread: number | undefined }) => {
  const count = unread ?? 0
  return (
    <a
      class="bell"
      href="#inbox"
      aria-label={
        count === 0
          ? 'Inbox, no unread notifications'
          : `Inbox, ${count} unread notification${count === 1 ? '' : 's'}`
      }
    >
      <Icon name="bell" size={20} />
      {count === 0 ? null : (
        <span class="bell__count" data-testid="unread-badge" aria-hidden="true">
          {count > MAX_SHOWN ? `${MAX_SHOWN}+` : count}
        </span>
      )}
    </a>
  )
}
