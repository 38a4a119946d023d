import { Avatar } from '../src/Avatar.tsx'
import { sortPeople, type People } from './members.ts'

/** Who is in the room: one entry per person, however many tabs they have open. */
export const PeopleList = ({ people, self }: { people: People; self: string | undefined }) => {
  const sorted = sortPeople(people, self)
  return (
    <section class="people" aria-labelledby="people-heading">
      <h2 id="people-heading" class="side-heading">
        People <span class="count">{sorted.length}</span>
      </h2>
      <ul class="people__list" data-testid="people">
        {sorted.map((person) => (
          <li key={person.user} class="person" data-user={person.user}>
            <Avatar id={person.user} name={person.name} size="small" />
            <span class="person__name">{person.name}</span>
            {person.user === self ? <span class="person__you">you</span> : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
