import type { ConnectionView } from '../src/use-connection.ts'
import { Avatar } from '../src/Avatar.tsx'
import type { ChatMessage } from './timeline.ts'

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })

interface Props {
  message: ChatMessage
  /** Whether it continues the previous message's author: no name and avatar again. */
  isContinuation: boolean
  isOwn: boolean
  connection: ConnectionView
  onRetry: (key: string) => void
}

const Pending = ({ message, connection, onRetry }: Omit<Props, 'isContinuation' | 'isOwn'>) => {
  if (message.status === 'sending')
    return (
      <span class="message__state">
        {connection === 'connected' ? 'Sending…' : 'Waiting for the connection…'}
      </span>
    )
  if (message.status === 'failed')
    return (
      <span class="message__state message__state--failed">
        Not sent{message.error === undefined ? '' : `: ${message.error}`}.{' '}
        {message.key === undefined ? null : (
          <button
            type="button"
            class="link-button"
            onClick={() => {
              if (message.key !== undefined) onRetry(message.key)
            }}
          >
            Retry
          </button>
        )}
      </span>
    )
  return null
}

/** One message: author and time unless it continues the author's previous one. */
export const MessageRow = ({ message, isContinuation, isOwn, connection, onRetry }: Props) => {
  const time = new Date(message.time)
  const classes = ['message']
  if (isContinuation) classes.push('message--continued')
  if (isOwn) classes.push('message--own')
  if (message.status !== 'sent') classes.push(`message--${message.status}`)
  return (
    <li class={classes.join(' ')} data-seq={message.seq}>
      {isContinuation ? (
        <span class="message__gutter" />
      ) : (
        <Avatar id={message.user ?? 'server'} name={message.name} />
      )}
      <div class="message__body">
        {isContinuation ? null : (
          <p class="message__meta">
            <span class="message__author">{message.name}</span>
            <time dateTime={time.toISOString()}>{timeFormat.format(time)}</time>
          </p>
        )}
        <p class="message__text">{message.text}</p>
        <Pending message={message} connection={connection} onRetry={onRetry} />
      </div>
    </li>
  )
}
