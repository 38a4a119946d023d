/**
 * The buzzer app's data as docs/apps.md describes it, decoded from what the server sent: a
 * room's {@link BuzzerSnapshot} (subscribe `state` and every publication of `buzzer:<room>`) and
 * the reply of `buzzer.buzz`. Anything off the shape decodes as undefined.
 */

/** One line of a round's ranking. Times in ms. */
export interface BuzzerResult {
  name: string
  /** The buzzing connection's client id; plain `/buzzer` clients are `text:<uuid>`. */
  client: string
  /** How much later than the fastest this player pressed; 0 for place 1. */
  behindMs: number
  /** Half the player's round trip, credited to its arrival. */
  compensationMs: number
  place: number
}

export interface BuzzerSnapshot {
  /** Whether buzzes are accepted now. */
  open: boolean
  /** Whether a host runs the room (then only the host opens rounds). */
  hosted: boolean
  /** Changes whenever the buzzes are cleared. Compare for equality only. */
  roundId: string
  /** Fastest first. */
  results: BuzzerResult[]
}

/** What `buzzer.buzz` answers: the player's standing right after its buzz. */
export interface BuzzReply {
  place: number
  behindMs: number
  compensationMs: number
  /** The player had buzzed in this round already. */
  repeat: boolean
}

type Fields = Record<string, unknown>

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

const decodeResult = (value: unknown): BuzzerResult | undefined => {
  if (!isFields(value)) return undefined
  const { name, client, behindMs, compensationMs, place } = value
  if (typeof name !== 'string' || typeof client !== 'string') return undefined
  if (!isNumber(behindMs) || !isNumber(compensationMs) || !isNumber(place)) return undefined
  return { name, client, behindMs, compensationMs, place }
}

export const decodeSnapshot = (data: unknown): BuzzerSnapshot | undefined => {
  if (!isFields(data)) return undefined
  const { open, hosted, roundId, results } = data
  if (typeof open !== 'boolean' || typeof hosted !== 'boolean' || typeof roundId !== 'string')
    return undefined
  if (!Array.isArray(results)) return undefined
  const decoded: BuzzerResult[] = []
  for (const result of results) {
    const line = decodeResult(result)
    if (line === undefined) return undefined
    decoded.push(line)
  }
  return { open, hosted, roundId, results: decoded }
}

export const decodeBuzzReply = (data: unknown): BuzzReply | undefined => {
  if (!isFields(data)) return undefined
  const { place, behindMs, compensationMs, repeat } = data
  if (!isNumber(place) || !isNumber(behindMs) || !isNumber(compensationMs)) return undefined
  if (typeof repeat !== 'boolean') return undefined
  return { place, behindMs, compensationMs, repeat }
}

/** Whether a result is a plain `/buzzer` client's (a terminal, not a page). */
export const isPlainClient = (result: BuzzerResult): boolean => result.client.startsWith('text:')
