/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    previous = current
  }
  return previous[b.length] ?? 0
}

/** Words within this many edits of a typo are suggested. */
const MAX_EDITS = 2

/**
 * The known word closest to `typo`, compared case-insensitively, when it is at most two edits
 * away (or differs only in case); undefined otherwise.
 */
export const didYouMean = (typo: string, known: readonly string[]): string | undefined => {
  let best: string | undefined
  let bestDistance = MAX_EDITS + 1
  for (const word of known) {
    const distance = editDistance(typo.toLowerCase(), word.toLowerCase())
    if (distance < bestDistance) {
      best = word
      bestDistance = distance
    }
  }
  return best
}
