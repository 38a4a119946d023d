/**
 * One room of `hubbub chat`: the channel `chat:<room>`, its recent history on entry, messages,
 * arrivals and departures, who is typing, and our own messages and typing signals.
 */
import type { Client, Member, Pub, Subscription, SubscriptionEvents } from '../client/node.js'
import { formatChatMessage, formatNotice, formatProblem, joinNames } from './chat-format.js'
import type { Palette } from './palette.js'
import { printable } from './printable.js'
import { groupByUser } from './presence.js'
import {
  createTypingThrottle,
  createTypingTracker,
  describeTyping,
  isTypingSignal,
} from './typing.js'

/** Messages shown from history on entering a room. */
const HISTORY_ON_ENTRY = 20

/** Where a room shows what happens in it. */
export interface RoomView {
  print(line: string): void
  setStatus(line: string | undefined): void
}

export interface ChatRoom {
  /** The room's name, without `chat:`. */
  readonly name: string
  /**
   * Shows `text` as our message at once and publishes it (offline, once the link is back);
   * resolves when the server has it, or after showing why it was refused.
   */
  say(text: string): Promise<void>
  /** What we are typing changed: tells the others whether we are typing (see `TypingThrottle`). */
  typed(line: string): void
  /** Shows who is in the room. */
  who(): Promise<void>
  /** Leaves the room: no more output from it. */
  leave(): Promise<void>
}

const describeError = (error: unknown): string =>
  error instanceof Error
    ? `${error.message}${'code' in error && typeof error.code === 'string' ? ` (${error.code})` : ''}`
    : String(error)

/** Enters `chat:<name>`; the view starts showing it once the subscription is there. */
export const enterRoom = (
  client: Client,
  name: string,
  view: RoomView,
  palette: Palette,
): ChatRoom => {
  const channel = `chat:${name}`
  const sub: Subscription = client.channel(channel, { presence: true })
  const selfUser = (): string | undefined => client.session?.user
  const notice = (text: string): void => {
    view.print(formatNotice(palette, text))
  }
  const problem = (text: string): void => {
    view.print(formatProblem(palette, text))
  }
  /** Connections present, by user: a person with two connections arrives and leaves once. */
  const people = new Map<string, Set<string>>()
  /** People here before our link dropped: their coming back after it is not news. */
  let returning = new Set<string>()
  const typing = createTypingTracker((names) => {
    view.setStatus(describeTyping(names))
  })
  const throttle = createTypingThrottle()
  /** Live messages held back until the history shown on entry is on screen. */
  let backlog: Pub[] | undefined = []
  /** Seqs of our messages sent before the entry's history was shown: not shown again in it. */
  const ownSeqs = new Set<number>()
  /** Our messages awaiting their seq. */
  const publishing = new Set<Promise<unknown>>()

  const show = (pub: Pub): void => {
    if (pub.from !== undefined) typing.done(pub.from.user)
    view.print(formatChatMessage(palette, pub.from, pub.data, pub.from?.user === selfUser()))
  }
  const arrive = (member: Member): boolean => {
    const clients = people.get(member.user)
    if (clients !== undefined) {
      clients.add(member.client)
      return false
    }
    people.set(member.user, new Set([member.client]))
    return true
  }
  const depart = (member: Member): boolean => {
    const clients = people.get(member.user)
    if (clients === undefined) return false
    clients.delete(member.client)
    if (clients.size > 0) return false
    people.delete(member.user)
    return true
  }

  const welcome = async (start: SubscriptionEvents['subscribed']): Promise<void> => {
    const { pubs } = await sub.history({ limit: HISTORY_ON_ENTRY })
    // A message sent right after entering may be in this history already: know its seq first.
    await Promise.allSettled([...publishing])
    const earlier = pubs.filter(
      (pub) => pub.epoch === start.epoch && pub.seq <= start.seq && !ownSeqs.has(pub.seq),
    )
    if (earlier.length > 0) notice(`earlier in ${name}:`)
    for (const pub of earlier) show(pub)
    const others = (start.members ?? []).filter((member) => member.user !== selfUser())
    const names = groupByUser(others).map(({ member }) => printable(member.name))
    notice(
      names.length === 0
        ? `you are alone in ${name}`
        : `you are in ${name} with ${joinNames(names)}`,
    )
  }

  const offs = [
    sub.on('message', (pub) => {
      if (backlog === undefined) show(pub)
      else backlog.push(pub)
    }),
    sub.on('subscribed', (start) => {
      const before = new Set(people.keys())
      people.clear()
      for (const member of start.members ?? []) arrive(member)
      if (start.wasRecovering) {
        returning = new Set([...before].filter((user) => !people.has(user)))
        return
      }
      welcome(start)
        .catch((error: unknown) => {
          problem(`could not show the room's history: ${describeError(error)}`)
        })
        .finally(() => {
          const held = backlog ?? []
          backlog = undefined
          ownSeqs.clear()
          for (const pub of held) show(pub)
        })
    }),
    sub.on('join', (member) => {
      if (!arrive(member) || member.user === selfUser()) return
      if (returning.delete(member.user)) return
      notice(`${printable(member.name)} joined`)
    }),
    sub.on('leave', (member) => {
      if (!depart(member)) return
      typing.done(member.user)
      if (member.user !== selfUser()) notice(`${printable(member.name)} left`)
    }),
    sub.on('signal', ({ from, data }) => {
      if (!isTypingSignal(data) || from.user === selfUser()) return
      if (data.typing) typing.typing(from)
      else typing.done(from.user)
    }),
    sub.on('reset', () => {
      notice('some messages sent while you were away are gone; showing new ones from here')
    }),
    sub.on('error', (error) => {
      problem(`cannot enter ${name}: ${describeError(error)}`)
    }),
    sub.on('unsubscribed', ({ reason }) => {
      problem(`the server took you out of ${name}: ${reason}`)
    }),
  ]

  return {
    name,
    async say(text) {
      throttle.sent()
      const session = client.session
      const self =
        session === undefined
          ? undefined
          : { client: session.client, user: session.user, name: session.name }
      view.print(formatChatMessage(palette, self, { text }, true))
      const published = sub.publish({ text }).then(({ seq }) => {
        if (backlog !== undefined) ownSeqs.add(seq)
      })
      publishing.add(published)
      try {
        await published
      } catch (error) {
        problem(`not sent: ${describeError(error)}`)
      } finally {
        publishing.delete(published)
      }
    },
    typed(line) {
      const signal = throttle.edited(line)
      // Offline the signal would be stale by the time it could go out.
      if (signal !== undefined && sub.state === 'subscribed') sub.signal(signal)
    },
    async who() {
      try {
        const members = await sub.presence()
        const names = groupByUser(members).map(({ member }) =>
          member.user === selfUser() ? `${printable(member.name)} (you)` : printable(member.name),
        )
        notice(`in ${name}: ${joinNames(names)}`)
      } catch (error) {
        problem(`cannot list who is here: ${describeError(error)}`)
      }
    },
    async leave() {
      for (const off of offs) off()
      typing.clear()
      view.setStatus(undefined)
      await sub.unsubscribe()
    },
  }
}
