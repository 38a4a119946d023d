/** A stable hue for a user id, so a person keeps their colour in every tab. */
const hueOf = (id: string): number => {
  let hash = 0
  for (const char of id) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0
  return hash % 360
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** The first letter of the first and last words (whole grapheme clusters, so emoji stay whole). */
const initials = (name: string): string => {
  const words = name.trim().split(/\s+/)
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]]
  const first = (word: string): string => Array.from(segmenter.segment(word))[0]?.segment ?? ''
  return picked
    .map((word) => first(word ?? ''))
    .join('')
    .toUpperCase()
}

/** A round badge with a person's initials, decorative: their name is always written beside it. */
export const Avatar = ({
  id,
  name,
  size = 'normal',
}: {
  id: string
  name: string
  size?: 'normal' | 'small'
}) => (
  <span class={`avatar avatar--${size}`} style={{ '--hue': String(hueOf(id)) }} aria-hidden="true">
    {initials(name)}
  </span>
)
