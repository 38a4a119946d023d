import { useEffect, useState } from 'preact/hooks'
import type { Member, Subscription } from '../../src/client/index.ts'

/** One person on the board, however many tabs they have open. */
export interface Person {
  user: string
  name: string
}

/** Who is on the board now: the member list of each (re)subscribe, then joins and leaves. */
export const usePeople = (sub: Subscription | undefined): Person[] => {
  const [members, setMembers] = useState<readonly Member[]>([])
  useEffect(() => {
    if (sub === undefined) return undefined
    const offs = [
      sub.on('subscribed', ({ members: present }) => {
        setMembers(present ?? [])
      }),
      sub.on('join', (member) => {
        setMembers((current) => [
          ...current.filter((known) => known.client !== member.client),
          member,
        ])
      }),
      sub.on('leave', (member) => {
        setMembers((current) => current.filter((known) => known.client !== member.client))
      }),
    ]
    return () => {
      for (const off of offs) off()
      setMembers([])
    }
  }, [sub])
  // One entry per user; the name of their newest connection.
  const people = new Map<string, Person>()
  for (const { user, name } of members) {
    people.delete(user)
    people.set(user, { user, name })
  }
  return [...people.values()]
}
