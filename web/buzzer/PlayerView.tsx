import { useEffect, useRef } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useConnection } from '../src/use-connection.ts'
import { formatBehind, formatMs, ordinal } from './format.ts'
import { Ranking } from './Ranking.tsx'
import { RoundBadge } from './RoundBadge.tsx'
import type { RoomState } from './room-state.ts'
import { roundStatus } from './round-status.ts'
import { creditOf } from './round-trip.ts'
import { useBuzz, type Standing } from './use-buzz.ts'
import { useRoundTrip } from './use-round-trip.ts'

interface Props {
  client: Client
  room: string
  state: RoomState
}

/** Whether a key press belongs to something else: a text field, or another control. */
const isForSomethingElse = (target: EventTarget | null, button: HTMLElement | null): boolean =>
  target instanceof HTMLElement &&
  target !== button &&
  (target.isContentEditable ||
    target.closest('input, textarea, select, button, a, summary, dialog') !== null)

const Verdict = ({ standing, players }: { standing: Standing; players: number }) => (
  <>
    <p class={standing.place === 1 ? 'verdict verdict--first' : 'verdict'} data-testid="verdict">
      {standing.place === 1 ? 'First place!' : `${formatBehind(standing.behindMs)} slower`}
    </p>
    <p class="verdict__detail">
      {ordinal(standing.place)} of {Math.max(players, standing.place)} · compensation used:{' '}
      <span data-testid="compensation">{formatMs(standing.compensationMs)}</span>
    </p>
  </>
)

/**
 * A player: one large button, and the space bar anywhere on the page. It presses on pointer
 * down (not on release) so a touch counts the moment it lands; then shows the place.
 */
export const PlayerView = ({ client, room, state }: Props) => {
  const { snapshot } = state
  const isIdle = snapshot?.open !== true
  const roundTrip = useRoundTrip(client, isIdle)
  const { standing, isBuzzing, error, buzz, isOwn } = useBuzz(client, room, state, roundTrip.rttMs)
  const isConnected = useConnection(client) === 'connected'
  const status = roundStatus(snapshot, 'player')
  const button = useRef<HTMLButtonElement>(null)

  const isWaiting = snapshot === undefined || (snapshot.hosted && !snapshot.open)
  const canBuzz = isConnected && !isWaiting && standing === undefined && !isBuzzing

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== ' ' || event.repeat) return
      if (event.ctrlKey || event.metaKey || event.altKey) return
      if (isForSomethingElse(event.target, button.current)) return
      event.preventDefault()
      buzz()
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
    }
  }, [buzz])

  const label =
    standing !== undefined ? 'Buzzed' : isBuzzing ? 'Buzzing…' : isWaiting ? 'Wait' : 'Buzz!'
  return (
    <div class="player">
      <section class="card panel player__panel" aria-labelledby="player-heading">
        <div class="panel__head">
          <h2 id="player-heading" class="panel__title">
            Room <code>{room}</code>
          </h2>
          <RoundBadge status={status} />
        </div>
        <p class="panel__detail">{status.detail}</p>
        <button
          ref={button}
          type="button"
          class="buzz-button"
          aria-keyshortcuts="Space"
          aria-describedby="buzz-hint"
          disabled={!canBuzz}
          data-state={
            standing !== undefined || isBuzzing ? 'buzzed' : canBuzz ? 'ready' : 'waiting'
          }
          onPointerDown={(event) => {
            if (event.button === 0) buzz()
          }}
          onClick={(event) => {
            // Pointer presses were handled on pointer down; this is Enter or Space on the button.
            if (event.detail === 0) buzz()
          }}
        >
          {label}
        </button>
        <p id="buzz-hint" class="buzz-hint">
          Press the button or the <kbd>Space</kbd> bar.
        </p>
        <div class="player__result" aria-live="polite">
          {standing === undefined ? null : (
            <Verdict standing={standing} players={snapshot?.results.length ?? 0} />
          )}
          {error === undefined ? null : (
            <p class="player__error" role="alert">
              {error}
            </p>
          )}
        </div>
        <p class="link-info" data-testid="round-trip">
          {roundTrip.rttMs === undefined ? (
            'Measuring your connection…'
          ) : (
            <>
              Your round trip: <strong>{formatMs(roundTrip.rttMs)}</strong>, so{' '}
              <strong data-testid="credit">{formatMs(creditOf(roundTrip.rttMs))}</strong> is
              credited to your buzz: a slow link is not a handicap.{' '}
            </>
          )}
          {roundTrip.rttMs === undefined ? null : (
            <button
              type="button"
              class="link-button"
              disabled={roundTrip.isMeasuring || !isIdle}
              onClick={roundTrip.measure}
            >
              Measure again
            </button>
          )}
        </p>
      </section>
      <section class="card panel" aria-labelledby="player-ranking-heading">
        <h2 id="player-ranking-heading" class="panel__subtitle">
          This round
        </h2>
        <Ranking
          results={snapshot?.results ?? []}
          labelledBy="player-ranking-heading"
          isOwn={isOwn}
        />
      </section>
    </div>
  )
}
