import type { Client } from '../../src/client/index.ts'
import { useConnection } from '../src/use-connection.ts'
import { hubUrl } from '../src/hub.ts'
import { MAIN_ROOM, urlForPlace } from './buzzer-url.ts'
import { Ranking } from './Ranking.tsx'
import { RoundBadge } from './RoundBadge.tsx'
import { isOwnResult, playersOf, type RoomState } from './room-state.ts'
import { roundStatus } from './round-status.ts'
import { useHost } from './use-host.ts'

interface Props {
  client: Client
  room: string
  state: RoomState
}

/** The host: opens, closes and resets rounds, and watches the ranking and who is here. */
export const HostView = ({ client, room, state }: Props) => {
  const { snapshot } = state
  const { act, pending, error } = useHost(client, room)
  const isConnected = useConnection(client) === 'connected'
  const status = roundStatus(snapshot, 'host')
  const self = client.session?.user
  const players = playersOf(state, self)
  const results = snapshot?.results ?? []
  const isOpen = snapshot?.open === true
  const isBusy = !isConnected || pending !== undefined
  const playerUrl = `${location.origin}${urlForPlace({ room, isHost: false })}`
  return (
    <div class="host">
      <section class="card panel host__controls" aria-labelledby="host-heading">
        <div class="panel__head">
          <h2 id="host-heading" class="panel__title">
            Hosting <code>{room}</code>
          </h2>
          <RoundBadge status={status} />
        </div>
        <p class="panel__detail">{status.detail}</p>
        <div class="host__buttons">
          <button
            type="button"
            class={isOpen ? 'button button--quiet' : 'button button--large'}
            disabled={isBusy}
            onClick={() => {
              act('open')
            }}
          >
            {isOpen ? 'Restart round' : results.length > 0 ? 'Open next round' : 'Open round'}
          </button>
          {isOpen ? (
            <button
              type="button"
              class="button button--large"
              disabled={isBusy}
              onClick={() => {
                act('close')
              }}
            >
              Close round
            </button>
          ) : null}
          <button
            type="button"
            class="button button--quiet"
            disabled={isBusy || (!isOpen && results.length === 0)}
            onClick={() => {
              act('reset')
            }}
          >
            Reset
          </button>
        </div>
        {error === undefined ? null : (
          <p class="host__error" role="alert">
            {error}
          </p>
        )}
      </section>

      <section class="card panel host__ranking" aria-labelledby="ranking-heading">
        <h2 id="ranking-heading" class="panel__subtitle">
          Ranking <span class="count">{results.length}</span>
        </h2>
        <Ranking
          results={results}
          labelledBy="ranking-heading"
          isOwn={(result) => isOwnResult(state, result, self, new Set())}
        />
        <p class="ranking__note">
          Ranked by arrival time minus the compensation: half of each player’s measured round trip,
          so a slow link is not a handicap.
        </p>
      </section>

      <section class="card panel host__people" aria-labelledby="people-heading">
        <h2 id="people-heading" class="panel__subtitle">
          Players here <span class="count">{players.length}</span>
        </h2>
        {players.length === 0 ? (
          <p class="host__empty">Nobody yet. Share the link below.</p>
        ) : (
          <ul class="players" data-testid="players">
            {players.map((player) => (
              <li
                key={player.user}
                class={player.hasBuzzed ? 'player-chip player-chip--buzzed' : 'player-chip'}
              >
                <span class="player-chip__mark" aria-hidden="true">
                  {player.hasBuzzed ? '✓' : ''}
                </span>
                {player.name}
                {player.hasBuzzed ? <span class="visually-hidden"> (buzzed)</span> : null}
              </li>
            ))}
          </ul>
        )}
        <p class="share">
          Players join at <a href={playerUrl}>{playerUrl.replace(/^https?:\/\//, '')}</a>
        </p>
        {room === MAIN_ROOM ? (
          <p class="share share--plain">
            Or from a terminal: connect to <code>{`${hubUrl()}buzzer`}</code> and send{' '}
            <code>buzz</code>.
          </p>
        ) : null}
      </section>
    </div>
  )
}
