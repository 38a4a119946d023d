import type { Member } from '../../src/client/index.ts'

/** One person in a room: a user with one or more connections (tabs, devices, plain clients). */
export interface Person {
  user: string
  name: string
  clients: string[]
}

/** People by user id, in the order they arrived. */
export type People = ReadonlyMap<string, Person>

/** The people behind a presence list: connections of one user are one person. */
export const groupMembers = (members: readonly Member[]): People => {
  const people = new Map<string, Person>()
  for (const member of members) addClient(people, member)
  return people
}

const addClient = (people: Map<string, Person>, member: Member): void => {
  const person = people.get(member.user)
  if (person === undefined)
    people.set(member.user, { user: member.user, name: member.name, clients: [member.client] })
  else if (!person.clients.includes(member.client))
    // The newest connection's name wins: a person who renamed themselves shows the new one.
    people.set(member.user, {
      ...person,
      name: member.name,
      clients: [...person.clients, member.client],
    })
}

/** `people` with `member` joined; `isNewPerson` when its user was not there before. */
export const withJoin = (
  people: People,
  member: Member,
): { people: People; isNewPerson: boolean } => {
  const next = new Map(people)
  addClient(next, member)
  return { people: next, isNewPerson: !people.has(member.user) }
}

/** `people` with `member`'s connection gone; `isGone` when that was the person's last one. */
export const withLeave = (people: People, member: Member): { people: People; isGone: boolean } => {
  const person = people.get(member.user)
  if (person === undefined || !person.clients.includes(member.client))
    return { people, isGone: false }
  const next = new Map(people)
  const clients = person.clients.filter((client) => client !== member.client)
  if (clients.length === 0) next.delete(member.user)
  else next.set(member.user, { ...person, clients })
  return { people: next, isGone: clients.length === 0 }
}

/** For display: this person first, then everyone by name. */
export const sortPeople = (people: People, self: string | undefined): Person[] =>
  [...people.values()].sort((a, b) =>
    a.user === self ? -1 : b.user === self ? 1 : a.name.localeCompare(b.name),
  )
