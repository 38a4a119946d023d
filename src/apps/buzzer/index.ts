import { ErrorCode, type Member } from '../../protocol/index.js'
import { ReplyError, type App } from '../../server/index.js'
import { readName, readOptionalDuration, readParams } from '../shared/params.js'
import {
  createBuzzerRooms,
  type BuzzerRooms,
  type BuzzerSnapshot,
  type HostAction,
} from './rooms.js'

export type {
  BuzzerRooms,
  BuzzerRoomsOptions,
  BuzzerSnapshot,
  BuzzerResult,
  Player,
} from './rooms.js'
export { createBuzzerRooms, buzzerRoomsDefaults } from './rooms.js'

/** Options of {@link createBuzzerApp}. Every field is optional. */
export interface BuzzerAppOptions {
  /**
   * The rounds; pass the same registry to the text app (`buzzerRooms`) so `/buzzer` players join
   * `buzzer:main`. Closed with the app.
   * @default createBuzzerRooms()
   */
  rooms?: BuzzerRooms
  /**
   * Who may call `buzzer.open`, `buzzer.close` and `buzzer.reset` (others get `forbidden`), e.g.
   * `(member) => isHost(member.info)` with an `authenticate` that sets `info`.
   * @default undefined (every client)
   */
  canHost?: (member: Member, room: string) => boolean | Promise<boolean>
}

/** What `buzzer.buzz` resolves with. Times in ms, rounded to 0.1 ms. */
export interface BuzzReply {
  place: number
  behindMs: number
  compensationMs: number
  /** This player had buzzed in this round already; the reply is its standing. */
  repeat: boolean
}

const quotaError = (room: string): ReplyError =>
  new ReplyError(
    ErrorCode.Quota,
    `no room for "${room}": every buzzer room on this server is being hosted; try again later`,
  )

/** One player per user: its tabs and reloads buzz once, and host as one. */
const playerKey = (member: Member): string => `user:${member.user}`

/**
 * The buzzer (DESIGN.md §8): rooms are channels `buzzer:<room>` whose publications and subscribe
 * `state` are the room's {@link BuzzerSnapshot}, published after every change. Rpc methods:
 * `buzzer.buzz { room, rttMs? }`, the host's `buzzer.open`, `buzzer.close` and `buzzer.reset
 * { room }`, and `buzzer.ping {}` for clients measuring their round trip. The server ranks by
 * arrival time minus half the reported round trip. Rounds are shared by every node of a cluster:
 * rooms.ts keeps them as a log in the engine.
 */
export const createBuzzerApp = (options: BuzzerAppOptions = {}): App => {
  const rooms = options.rooms ?? createBuzzerRooms()
  const { canHost } = options
  return {
    name: 'buzzer',
    setup(hub) {
      // The rooms register `buzzer:*` (and their log) and publish the snapshots.
      rooms.attach(hub)

      hub.rpc('buzzer.buzz', async (raw, caller): Promise<BuzzReply> => {
        const params = readParams(raw)
        const room = readName(params, 'room')
        const rttMs = readOptionalDuration(params, 'rttMs')
        const { member } = caller
        // One player per user, so a protocol client's source is its user.
        const player = { key: playerKey(member), name: member.name, client: member.client }
        const outcome = await rooms.buzz(room, player, rttMs)
        switch (outcome.kind) {
          case 'closed':
            throw new ReplyError(ErrorCode.Forbidden, `the round in "${room}" is closed`)
          case 'full':
            throw new ReplyError(ErrorCode.TooManyRequests, `the round in "${room}" is full`)
          case 'source-full':
            throw new ReplyError(
              ErrorCode.TooManyRequests,
              `the round in "${room}" has as many players from your source as it takes`,
            )
          case 'quota':
            throw quotaError(room)
          case 'ranked':
          case 'repeat':
            return {
              place: outcome.place,
              behindMs: Math.round(outcome.behindMs * 10) / 10,
              compensationMs: outcome.compensationMs,
              repeat: outcome.kind === 'repeat',
            }
        }
      })
      const hostMethod = (action: HostAction): void => {
        hub.rpc(`buzzer.${action}`, async (raw, { member }): Promise<BuzzerSnapshot> => {
          const room = readName(readParams(raw), 'room')
          if (canHost !== undefined && !(await canHost(member, room)))
            throw new ReplyError(ErrorCode.Forbidden, `you may not host "${room}"`)
          const outcome = await rooms.host(room, action, playerKey(member))
          switch (outcome.kind) {
            case 'done':
              return outcome.snapshot
            case 'not-host':
              throw new ReplyError(
                ErrorCode.Forbidden,
                `someone else hosts "${room}"; it is yours once they have been idle for a while`,
              )
            case 'quota':
              throw quotaError(room)
          }
        })
      }
      hostMethod('open')
      hostMethod('close')
      hostMethod('reset')
      hub.rpc('buzzer.ping', () => ({ serverTime: Date.now() }))
    },
    async close() {
      await rooms.dispose()
    },
  }
}
