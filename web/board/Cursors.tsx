import type { Cursor } from './use-cursors.ts'

/** A stable hue for a user id, as their avatar has: a person keeps their colour. */
const hueOf = (id: string): number => {
  let hash = 0
  for (const char of id) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0
  return hash % 360
}

/** The others' pointers over the board, each with its person's name. Decorative for screen readers. */
export const Cursors = ({ cursors }: { cursors: readonly Cursor[] }) => (
  <div class="cursors" aria-hidden="true">
    {cursors.map((cursor) => (
      <div
        key={cursor.client}
        class={`cursor${cursor.isIdle ? ' cursor--idle' : ''}`}
        data-client={cursor.client}
        style={{
          left: `${cursor.x * 100}%`,
          top: `${cursor.y * 100}%`,
          '--hue': String(hueOf(cursor.user)),
        }}
      >
        <svg class="cursor__arrow" viewBox="0 0 16 20" width="16" height="20">
          <path d="M1 1l13 10.5-6 .8-3.2 5.9z" />
        </svg>
        <span class="cursor__name">{cursor.name}</span>
      </div>
    ))}
  </div>
)
