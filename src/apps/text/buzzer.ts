import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { TextEndpoint } from '../../server/index.js'
import type { BuzzerRooms, RoomBuzzOutcome } from '../buzzer/rooms.js'
import { createTaskQueue } from './task-queue.js'

export interface BuzzerEndpointOptions {
  /** The rounds, shared with the buzzer app's `buzzer:<room>` channels when both run. */
  rooms: BuzzerRooms
  /** The room every `/buzzer` connection plays in. */
  room: string
  /** Where a buzz that failed (the engine unreachable) is logged. */
  log: Logger
}

/** The line that answers a buzz. */
export const describeOutcome = (outcome: RoomBuzzOutcome): string => {
  switch (outcome.kind) {
    case 'ranked':
      if (outcome.place === 1) return 'First place!'
      return `Response time: ${(outcome.behindMs / 1_000).toFixed(2)} sec slower.`
    case 'repeat':
      return 'You already buzzed in this round.'
    case 'closed':
      return 'The round is closed.'
    case 'full':
      return 'The round is full.'
    case 'source-full':
      return 'The round has as many players from your address as it takes.'
    case 'quota':
      return 'The buzzer is busy: every room is being hosted. Try again later.'
  }
}

/**
 * `/buzzer`: `buzz` answers `First place!` for the first buzz of a round and `Response time: 0.42
 * sec slower.` for the others. Every `/buzzer` connection plays in `room` of `rooms`, the same
 * round as the buzzer app's `buzzer:<room>` players on every node: without a host a round opens with
 * its first buzz and closes by itself; a host opens, closes and resets it instead. Plain clients
 * cannot measure their round trip, so they get no compensation.
 */
export const createBuzzerEndpoint = (options: BuzzerEndpointOptions): TextEndpoint => {
  let playerCount = 0
  return (connection) => {
    playerCount += 1
    const id = randomUUID()
    const player = {
      key: `text:${id}`,
      name: `Player ${playerCount}`,
      client: `text:${id}`,
      source: `ip:${connection.remoteAddress}`,
    }
    // Answers go out in the order of the messages, each after its buzz is in the room's log.
    const tasks = createTaskQueue((error) => {
      options.log.warn({ err: error, path: connection.path }, 'a /buzzer buzz failed')
      connection.send('The buzzer is unavailable; try again.')
    })
    connection.on('message', (message) => {
      tasks.run(async () => {
        if (message.trim().toLowerCase() !== 'buzz') {
          connection.send('Send "buzz" to buzz in.')
          return
        }
        connection.send(describeOutcome(await options.rooms.buzz(options.room, player)))
      })
    })
  }
}
