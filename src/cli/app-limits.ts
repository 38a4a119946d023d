/**
 * The bounds of the bundled apps (docs/operations.md, "Limits and quotas") that `hubbub serve`
 * can set: flag, environment variable, config-file key (the option name), range. They go to
 * `bundledApps`, not to the server.
 */
import {
  buzzerRoomsDefaults,
  counterDefaults,
  jsonAppDefaults,
  notifyDefaults,
  type BundledAppsOptions,
} from '../apps/index.js'

export const appLimitFlags = [
  {
    flag: 'max-buzzer-rooms',
    env: 'HUBBUB_MAX_BUZZER_ROOMS',
    option: 'maxBuzzerRooms',
    min: 1,
    max: 1_000_000,
    help: 'buzzer rooms kept; idle ones are evicted, a new room past only hosted ones is quota',
    defaultValue: buzzerRoomsDefaults.maxRooms,
  },
  {
    flag: 'max-buzzer-players-per-source',
    env: 'HUBBUB_MAX_BUZZER_PLAYERS_PER_SOURCE',
    option: 'maxBuzzerPlayersPerSource',
    min: 1,
    max: 1_000_000,
    help: 'players one IP address (plain) or user (hubbub.v1) may have in one buzzer round',
    defaultValue: buzzerRoomsDefaults.maxPlayersPerSource,
  },
  {
    flag: 'max-counters',
    env: 'HUBBUB_MAX_COUNTERS',
    option: 'maxCounters',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    help: 'counters kept; the oldest unwatched one is deleted, else a new one is quota',
    defaultValue: counterDefaults.maxCounters,
  },
  {
    flag: 'max-inboxes',
    env: 'HUBBUB_MAX_INBOXES',
    option: 'maxInboxes',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    help: 'notify inboxes kept; the oldest unwatched one is deleted, else a new one is quota',
    defaultValue: notifyDefaults.maxInboxes,
  },
  {
    flag: 'draw-messages-per-second',
    env: 'HUBBUB_DRAW_MESSAGES_PER_SECOND',
    option: 'drawMessagesPerSecond',
    min: 1,
    max: 1_000_000,
    help: 'messages per second one plain /draw client may send (one per mouse move)',
    defaultValue: jsonAppDefaults.drawMessagesPerSecond,
  },
  {
    flag: 'draw-message-burst',
    env: 'HUBBUB_DRAW_MESSAGE_BURST',
    option: 'drawMessageBurst',
    min: 1,
    max: 1_000_000,
    help: "messages a plain /draw client may send at once (its rate limit's bucket)",
    defaultValue: jsonAppDefaults.drawMessageBurst,
  },
] as const satisfies readonly {
  flag: string
  env: string
  option: keyof BundledAppsOptions
  min: number
  max: number
  help: string
  defaultValue: number
}[]

export type AppLimits = Partial<Record<(typeof appLimitFlags)[number]['option'], number>>

/** The help lines of {@link appLimitFlags}, in the style of `hubbub serve --help`. */
export const appLimitHelp = (): string =>
  appLimitFlags
    .map(
      ({ flag, env, help, defaultValue }) =>
        `      --${flag} <n>\n                         ${help}\n                         (env ${env}, default ${defaultValue})`,
    )
    .join('\n')
