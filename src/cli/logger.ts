import { pino, type Logger } from 'pino'

/** The levels `--log-level` accepts, most severe first; `silent` logs nothing. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

/** The level when neither `--log-level` nor `HUBBUB_LOG_LEVEL` says otherwise. */
export const defaultLogLevel: LogLevel = 'warn'

/**
 * A pino logger writing JSON lines to stderr, so stdout stays free for the command's output.
 * Writes are synchronous: nothing is lost when the process exits right after logging.
 */
export const createCliLogger = (level: LogLevel): Logger =>
  pino({ level }, pino.destination({ dest: 2, sync: true }))
