import { checkDisplayName, type Member, type NameCheck } from '../../protocol/index.js'
import type { ChannelEvent } from '../../server/index.js'
import { memberLine, serverLine, textOf } from './lines.js'

/**
 * A plain client's first message as a username, checked as any display name is (see
 * `checkDisplayName`: normalised, refused with control, format or line-break characters inside
 * and when it reads as `Server`), then cut to `maxLength` characters (code points) rather than
 * refused for its length. Ok and empty when nothing is left.
 */
export const toUsername = (message: string, maxLength: number): NameCheck => {
  const check = checkDisplayName(message, Number.POSITIVE_INFINITY)
  if (!check.ok) return check
  return { ok: true, name: Array.from(check.name).slice(0, maxLength).join('').trim() }
}

/**
 * How a chat event reads on a plain connection: `[Alice]: Hello everyone!` for a `{ text }`
 * publication (`[Server]: ...` when the server published it), `[Server]: Alice has joined the
 * chat.` / `... has left the chat.` for join and leave. Undefined for what has no text form
 * (signals such as typing, other data) and for this session's own publications and join/leave.
 * Others' names and texts are made visible (see `toVisibleLine`): every event is one line.
 */
export const renderChatEvent = (event: ChannelEvent, self: Member): string | undefined => {
  switch (event.type) {
    case 'pub': {
      const { from, data } = event.pub
      const text = textOf(data)
      if (text === undefined || from?.client === self.client) return undefined
      return from === undefined ? serverLine(text) : memberLine(from.name, text)
    }
    case 'join':
      if (event.member.client === self.client) return undefined
      return serverLine(`${event.member.name} has joined the chat.`)
    case 'leave':
      if (event.member.client === self.client) return undefined
      return serverLine(`${event.member.name} has left the chat.`)
    case 'signal':
    case 'members':
    case 'unsubscribed':
      return undefined
  }
}
