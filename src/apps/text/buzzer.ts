import type { TextEndpoint } from '../../server/index.js'
import { buzz, createRound, type BuzzOutcome } from '../buzzer/round.js'

export interface BuzzerEndpointOptions {
  /** How long a round stays open after its first buzz. */
  roundMs: number
  /** The clock buzzes are timed with, in ms (monotonic). */
  nowMs: () => number
}

/** The line that answers a buzz. */
export const describeOutcome = (outcome: BuzzOutcome): string => {
  switch (outcome.kind) {
    case 'ranked':
      if (outcome.place === 1) return 'First place!'
      return `Response time: ${(outcome.behindMs / 1_000).toFixed(2)} sec slower.`
    case 'repeat':
      return 'You already buzzed in this round.'
    case 'closed':
      return 'The round is closed.'
  }
}

/**
 * `/buzzer`: `buzz` answers `First place!` for the first buzz of a round and `Response time: 0.42
 * sec slower.` for the others. There is no host: a round opens with its first buzz and closes
 * `roundMs` later. Every `/buzzer` connection of this endpoint (this node) plays in one round.
 */
export const createBuzzerEndpoint = (options: BuzzerEndpointOptions): TextEndpoint => {
  let round = createRound({ isHosted: false, autoCloseMs: options.roundMs })
  let playerCount = 0
  return (connection) => {
    playerCount += 1
    const player = `text:${playerCount}`
    connection.on('message', (message) => {
      if (message.trim().toLowerCase() !== 'buzz') {
        connection.send('Send "buzz" to buzz in.')
        return
      }
      const result = buzz(round, { player, arrivedAtMs: options.nowMs() })
      round = result.round
      connection.send(describeOutcome(result.outcome))
    })
  }
}
