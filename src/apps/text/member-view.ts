import type { Member } from '../../protocol/index.js'
import type { ChannelEvent } from '../../server/index.js'

/**
 * The members a text session has been told of, so that a `members` list (sent in place of
 * join/leave events held back past the channel's presence budget) reads as the arrivals and
 * departures it stands for.
 */
export interface MemberView {
  /** The events to show for `event`: itself, or for a `members` list the leaves and joins it implies. */
  apply(event: ChannelEvent): ChannelEvent[]
  /** Who was present at subscribe time; members an event told of meanwhile keep what it said. */
  seed(members: readonly Member[]): void
  /** The members known now, in the order they were first heard of. */
  list(): Member[]
}

export const createMemberView = (): MemberView => {
  let known = new Map<string, Member>()
  /** Clients an event told of before the seed came. */
  const touched = new Set<string>()
  let isSeeded = false
  return {
    apply(event) {
      switch (event.type) {
        case 'join':
          known.set(event.member.client, event.member)
          if (!isSeeded) touched.add(event.member.client)
          return [event]
        case 'leave':
          known.delete(event.member.client)
          if (!isSeeded) touched.add(event.member.client)
          return [event]
        case 'members': {
          const next = new Map(event.members.map((member) => [member.client, member]))
          const previous = known
          known = next
          // Without a seed the difference would announce everyone already there.
          if (!isSeeded) return []
          const { channel } = event
          const shown: ChannelEvent[] = []
          for (const [client, member] of previous)
            if (!next.has(client)) shown.push({ type: 'leave', channel, member })
          for (const [client, member] of next)
            if (!previous.has(client)) shown.push({ type: 'join', channel, member })
          return shown
        }
        case 'pub':
        case 'signal':
        case 'unsubscribed':
          return [event]
      }
    },
    list: () => [...known.values()],
    seed(members) {
      if (isSeeded) return
      for (const member of members)
        if (!touched.has(member.client)) known.set(member.client, member)
      isSeeded = true
      touched.clear()
    },
  }
}
