import { useLayoutEffect, useRef } from 'preact/hooks'
import type { ConnectionView } from '../src/use-connection.ts'
import { MessageRow } from './MessageRow.tsx'
import type { TimelineItem } from './timeline.ts'

/** Messages by one author closer together than this share one header. */
const GROUP_WINDOW_MS = 5 * 60_000
/** Within this distance of the bottom, new messages keep the view scrolled to the bottom. */
const STICKY_BOTTOM_PX = 80

interface Props {
  items: TimelineItem[]
  self: string | undefined
  connection: ConnectionView
  onRetry: (key: string) => void
}

const continues = (item: TimelineItem, previous: TimelineItem | undefined): boolean =>
  item.kind === 'message' &&
  previous?.kind === 'message' &&
  previous.user === item.user &&
  previous.name === item.name &&
  item.time - previous.time < GROUP_WINDOW_MS

/** The conversation, oldest first; it follows new messages while the reader is at the bottom. */
export const Timeline = ({ items, self, connection, onRetry }: Props) => {
  const scroller = useRef<HTMLDivElement>(null)
  const isAtBottom = useRef(true)
  useLayoutEffect(() => {
    const element = scroller.current
    if (element !== null && isAtBottom.current) element.scrollTop = element.scrollHeight
  }, [items])
  return (
    <div
      class="timeline"
      ref={scroller}
      role="log"
      aria-label="Messages"
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget
        isAtBottom.current =
          element.scrollHeight - element.scrollTop - element.clientHeight < STICKY_BOTTOM_PX
      }}
    >
      {items.length === 0 ? <p class="timeline__empty">No messages yet. Say hello!</p> : null}
      <ol class="timeline__list">
        {items.map((item, index) =>
          item.kind === 'notice' ? (
            <li key={item.id} class="notice">
              {item.text}
            </li>
          ) : (
            <MessageRow
              key={item.id}
              message={item}
              isContinuation={continues(item, items[index - 1])}
              isOwn={item.user !== undefined && item.user === self}
              connection={connection}
              onRetry={onRetry}
            />
          ),
        )}
      </ol>
    </div>
  )
}
