import { Avatar } from '../src/Avatar.tsx'
import type { Person } from './use-people.ts'

/** Avatars shown before the rest are summed up as "+n". */
const MAX_SHOWN = 4

/** Who is on the board: a few avatars, the others counted. */
export const PeopleHere = ({ people }: { people: readonly Person[] }) => {
  const shown = people.slice(0, MAX_SHOWN)
  const more = people.length - shown.length
  const names = people.map((person) => person.name).join(', ')
  return (
    <div
      class="people-here"
      role="img"
      aria-label={`${people.length} ${people.length === 1 ? 'person' : 'people'} here: ${names}`}
      title={names}
      data-testid="people-here"
    >
      {shown.map((person) => (
        <Avatar key={person.user} id={person.user} name={person.name} size="small" />
      ))}
      {more > 0 ? <span class="people-here__more">+{more}</span> : null}
    </div>
  )
}
