import { formatBehind, formatMs } from './format.ts'
import { isPlainClient, type BuzzerResult } from './snapshot.ts'

interface Props {
  results: readonly BuzzerResult[]
  /** Whether a result is this person's, to mark it. */
  isOwn: (result: BuzzerResult) => boolean
  /** The id of the heading that names the table. */
  labelledBy: string
}

/**
 * A round's ranking, fastest first: how far behind the first each player pressed, and the
 * compensation (half the measured round trip) the server credited to their buzz.
 */
export const Ranking = ({ results, isOwn, labelledBy }: Props) => {
  if (results.length === 0)
    return (
      <p class="ranking__empty" data-testid="ranking-empty">
        No buzzes yet.
      </p>
    )
  return (
    <table class="ranking" aria-labelledby={labelledBy} data-testid="ranking">
      <thead>
        <tr>
          <th scope="col" class="ranking__place">
            <abbr title="Place">#</abbr>
          </th>
          <th scope="col">Player</th>
          <th scope="col" class="ranking__number">
            Behind first
          </th>
          <th scope="col" class="ranking__number ranking__wide">
            Compensation
          </th>
        </tr>
      </thead>
      <tbody>
        {results.map((result) => {
          const isMine = isOwn(result)
          const isPlain = isPlainClient(result)
          return (
            <tr
              key={result.client}
              class={isMine ? 'ranking__row ranking__row--own' : 'ranking__row'}
              data-client={result.client}
            >
              <td class="ranking__place">
                <span class={`medal medal--${Math.min(result.place, 4)}`}>{result.place}</span>
              </td>
              <th scope="row" class="ranking__name">
                <span class="ranking__player">{result.name}</span>
                {isMine ? <span class="tag tag--you">you</span> : null}
                {isPlain ? <span class="tag">terminal</span> : null}
                {/* In a narrow table, instead of the compensation column. */}
                <span class="ranking__sub">
                  {isPlain ? 'no compensation' : `compensation ${formatMs(result.compensationMs)}`}
                </span>
              </th>
              <td class="ranking__number ranking__behind">
                {result.place === 1 ? 'first' : `+${formatBehind(result.behindMs)}`}
              </td>
              <td class="ranking__number ranking__compensation ranking__wide">
                {isPlain ? (
                  <span title="Plain clients cannot measure their round trip">none</span>
                ) : (
                  formatMs(result.compensationMs)
                )}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
