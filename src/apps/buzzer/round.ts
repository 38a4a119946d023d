/**
 * One buzzer round as a pure value: who buzzed, when, and in which order. No timers inside; the
 * caller passes the time (in ms, from one monotonic clock) into every step, and every step returns
 * a new round. A hosted round is opened, closed and reset by its host; a round without a host opens
 * at its first buzz and closes `autoCloseMs` later (lazily: the next buzz after that starts a new
 * round).
 */

export interface RoundOptions {
  /** Whether a host opens and closes rounds; otherwise a round opens at its first buzz. @default false */
  isHosted?: boolean
  /** How long a round without a host stays open after its first buzz. @default 10_000 */
  autoCloseMs?: number
}

export const roundDefaults: Required<RoundOptions> = {
  isHosted: false,
  autoCloseMs: 10_000,
}

/** Where a round is. An open round closes by itself at `closesAtMs` (Infinity: only by its host). */
export type RoundPhase =
  | { kind: 'idle' }
  | { kind: 'open'; openedAtMs: number; closesAtMs: number }
  | { kind: 'closed'; openedAtMs: number; closedAtMs: number }

/** One accepted buzz. */
export interface Buzz {
  readonly player: string
  /** When the buzz reached the server. */
  readonly arrivedAtMs: number
  /** The player's measured round-trip time; half of it is credited back. */
  readonly rttMs: number
  /** `arrivedAtMs - rttMs / 2`: when the player pressed, as well as the server can tell. */
  readonly pressedAtMs: number
}

export interface Round {
  readonly options: Required<RoundOptions>
  readonly phase: RoundPhase
  /** Accepted buzzes, fastest first (ties keep arrival order). */
  readonly buzzes: readonly Buzz[]
}

/** A buzz's place in the current ranking. */
export interface Standing {
  readonly player: string
  /** 1 for the fastest. */
  readonly place: number
  /** How much later than the fastest this player pressed; 0 for first place. */
  readonly behindMs: number
}

/** What became of one buzz. */
export type BuzzOutcome =
  /** Accepted; `place` and `behindMs` are its standing right after it. */
  | ({ kind: 'ranked' } & Standing)
  /** This player had already buzzed in this round; its standing is unchanged. */
  | ({ kind: 'repeat' } & Standing)
  /** A hosted round that is not open: the buzz is ignored. */
  | { kind: 'closed' }

export interface BuzzInput {
  player: string
  arrivedAtMs: number
  /** The player's measured round-trip time. @default 0 */
  rttMs?: number
}

export const createRound = (options: RoundOptions = {}): Round => ({
  options: {
    isHosted: options.isHosted ?? roundDefaults.isHosted,
    autoCloseMs: options.autoCloseMs ?? roundDefaults.autoCloseMs,
  },
  phase: { kind: 'idle' },
  buzzes: [],
})

/** Whether `round` accepts buzzes at `nowMs`. */
export const isOpenAt = (round: Round, nowMs: number): boolean =>
  round.phase.kind === 'open' && nowMs < round.phase.closesAtMs

/**
 * Starts a fresh round at `nowMs` (forgetting earlier buzzes) that stays open for `durationMs`
 * or, by default, until {@link closeRound}.
 */
export const openRound = (round: Round, nowMs: number, durationMs = Infinity): Round => ({
  ...round,
  phase: { kind: 'open', openedAtMs: nowMs, closesAtMs: nowMs + durationMs },
  buzzes: [],
})

/** Stops accepting buzzes, keeping the ranking. Closing a round that is not open changes nothing. */
export const closeRound = (round: Round, nowMs: number): Round => {
  const { phase } = round
  if (phase.kind !== 'open') return round
  const closedAtMs = Math.min(nowMs, phase.closesAtMs)
  return { ...round, phase: { kind: 'closed', openedAtMs: phase.openedAtMs, closedAtMs } }
}

/** Back to idle with no buzzes. */
export const resetRound = (round: Round): Round => ({
  ...round,
  phase: { kind: 'idle' },
  buzzes: [],
})

/** The current ranking, fastest first. */
export const standings = (round: Round): Standing[] => {
  const fastestMs = round.buzzes[0]?.pressedAtMs ?? 0
  return round.buzzes.map((buzz, index) => ({
    player: buzz.player,
    place: index + 1,
    behindMs: buzz.pressedAtMs - fastestMs,
  }))
}

/**
 * Records a buzz. Without a host, a buzz while no round is open (never opened, or past its
 * `autoCloseMs`) opens a new one. Throws a `RangeError` for a negative or non-finite `rttMs`.
 */
export const buzz = (round: Round, input: BuzzInput): { round: Round; outcome: BuzzOutcome } => {
  const rttMs = input.rttMs ?? 0
  if (!Number.isFinite(rttMs) || rttMs < 0) {
    throw new RangeError(`rttMs must be a finite number >= 0, got ${rttMs}`)
  }
  let current = round
  if (!isOpenAt(current, input.arrivedAtMs)) {
    if (current.options.isHosted) return { round: current, outcome: { kind: 'closed' } }
    current = openRound(current, input.arrivedAtMs, current.options.autoCloseMs)
  }
  const previous = standingOf(current, input.player)
  if (previous !== undefined) return { round: current, outcome: { kind: 'repeat', ...previous } }

  const added: Buzz = {
    player: input.player,
    arrivedAtMs: input.arrivedAtMs,
    rttMs,
    pressedAtMs: input.arrivedAtMs - rttMs / 2,
  }
  // Insert after every buzz pressed at the same time or earlier, so ties keep arrival order.
  const index = current.buzzes.findIndex((other) => other.pressedAtMs > added.pressedAtMs)
  const buzzes = [...current.buzzes]
  buzzes.splice(index === -1 ? buzzes.length : index, 0, added)
  const next = { ...current, buzzes }
  const standing = standingOf(next, input.player)
  if (standing === undefined) throw new Error('a buzz just recorded has no standing')
  return { round: next, outcome: { kind: 'ranked', ...standing } }
}

const standingOf = (round: Round, player: string): Standing | undefined =>
  standings(round).find((standing) => standing.player === player)
