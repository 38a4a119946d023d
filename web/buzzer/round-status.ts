import type { BuzzerSnapshot } from './snapshot.ts'

/** Where a room's round is, as a page shows it. */
export type RoundPhase = 'loading' | 'open' | 'closed' | 'waiting' | 'free'

export interface RoundStatus {
  phase: RoundPhase
  /** A few words for the badge. */
  label: string
  /** One sentence on what happens next, for this view. */
  detail: string
}

/**
 * The round of `snapshot` in words for a player or the host. Without a host a room plays by
 * itself: the first buzz opens a round that closes 10 s later.
 */
export const roundStatus = (
  snapshot: BuzzerSnapshot | undefined,
  view: 'player' | 'host',
): RoundStatus => {
  if (snapshot === undefined) return { phase: 'loading', label: 'Joining…', detail: '' }
  const hasResults = snapshot.results.length > 0
  if (snapshot.open)
    return {
      phase: 'open',
      label: 'Round open',
      detail: snapshot.hosted
        ? view === 'host'
          ? 'Players can buzz now. Close the round when everyone is in.'
          : 'Buzz now!'
        : 'Buzz now! This round closes by itself 10 s after its first buzz.',
    }
  if (!snapshot.hosted)
    return {
      phase: 'free',
      label: hasResults ? 'Round over' : 'Free play',
      detail:
        view === 'host'
          ? 'Nobody hosts this room yet: open a round to take over.'
          : 'No host: the first buzz opens a round, which closes 10 s later.',
    }
  if (hasResults)
    return {
      phase: 'closed',
      label: 'Round closed',
      detail:
        view === 'host'
          ? 'Open a new round when you are ready.'
          : 'Wait for the host to open the next round.',
    }
  return {
    phase: 'waiting',
    label: view === 'host' ? 'Ready' : 'Waiting',
    detail:
      view === 'host' ? 'Open a round to let players buzz.' : 'Wait for the host to open a round.',
  }
}
