import type { RoundStatus } from './round-status.ts'

/** The round's phase as a coloured pill. */
export const RoundBadge = ({ status }: { status: RoundStatus }) => (
  <p
    class={`round-badge round-badge--${status.phase}`}
    data-testid="round"
    data-phase={status.phase}
  >
    <span class="round-badge__dot" aria-hidden="true" />
    {status.label}
  </p>
)
