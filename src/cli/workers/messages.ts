/**
 * What the `hubbub serve --workers` primary and its workers say to each other over the cluster's
 * IPC channel. Each side decodes what it receives: a message it does not know is ignored, never
 * trusted.
 */

/** Worker → primary: the worker's server accepts connections. */
export interface ListeningMessage {
  type: 'hubbub:listening'
  /** What the worker would have printed after `hubbub listening on `. */
  url: string
  /** The port it actually listens on (the one the system picked for `--port 0`). */
  port: number
}

/** Primary → worker: shut down gracefully (close 1001 with a reconnect hint), then exit 0. */
export interface DrainMessage {
  type: 'hubbub:drain'
}

export type WorkerMessage = ListeningMessage
export type PrimaryMessage = DrainMessage

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/** A worker's message, or undefined for anything else. */
export const decodeWorkerMessage = (value: unknown): WorkerMessage | undefined => {
  if (!isRecord(value) || value.type !== 'hubbub:listening') return undefined
  const { url, port } = value
  if (typeof url !== 'string' || typeof port !== 'number' || !Number.isInteger(port))
    return undefined
  return { type: 'hubbub:listening', url, port }
}

/** The primary's message, or undefined for anything else. */
export const decodePrimaryMessage = (value: unknown): PrimaryMessage | undefined =>
  isRecord(value) && value.type === 'hubbub:drain' ? { type: 'hubbub:drain' } : undefined
