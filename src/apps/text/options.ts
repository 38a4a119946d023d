import type { BuzzerRooms } from '../buzzer/rooms.js'

/** Options of {@link createTextApp}. Every field is optional. */
export interface TextAppOptions {
  /** The room of `/` and `/chat`. @default 'chat:lobby' */
  chatChannel?: string
  /** The channel `/broadcast` travels through. @default 'text:broadcast' */
  broadcastChannel?: string
  /** Longest chat username, in characters; longer ones are cut. @default 32 */
  maxNameLength?: number
  /** How long a `/buzzer` round stays open after its first buzz. @default 10_000 */
  buzzerRoundMs?: number
  /** The clock `/buzzer` times buzzes with, in ms since the Unix epoch; tests pass a fake one. @default Date.now */
  nowMs?: () => number
  /** The room `/buzzer` plays in: the buzzer app's channel `buzzer:<room>`. @default 'main' */
  buzzerRoom?: string
  /**
   * The buzzer rounds `/buzzer` plays in; pass the buzzer app's to share rounds with its players.
   * `buzzerRoundMs` and `nowMs` apply only to the registry made by default.
   * @default a registry of its own, with `buzzerRoundMs` and `nowMs`
   */
  buzzerRooms?: BuzzerRooms
}

export type ResolvedTextAppOptions = Required<Omit<TextAppOptions, 'buzzerRooms'>> &
  Pick<TextAppOptions, 'buzzerRooms'>

export const textAppDefaults: ResolvedTextAppOptions = {
  chatChannel: 'chat:lobby',
  broadcastChannel: 'text:broadcast',
  maxNameLength: 32,
  buzzerRoundMs: 10_000,
  nowMs: () => Date.now(),
  buzzerRoom: 'main',
}

export const resolveTextAppOptions = (options: TextAppOptions): ResolvedTextAppOptions => ({
  chatChannel: options.chatChannel ?? textAppDefaults.chatChannel,
  broadcastChannel: options.broadcastChannel ?? textAppDefaults.broadcastChannel,
  maxNameLength: options.maxNameLength ?? textAppDefaults.maxNameLength,
  buzzerRoundMs: options.buzzerRoundMs ?? textAppDefaults.buzzerRoundMs,
  nowMs: options.nowMs ?? textAppDefaults.nowMs,
  buzzerRoom: options.buzzerRoom ?? textAppDefaults.buzzerRoom,
  buzzerRooms: options.buzzerRooms,
})
