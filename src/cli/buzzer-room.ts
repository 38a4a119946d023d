/**
 * One room of `hubbub buzz`, on the buzzer app (docs/apps.md, "buzzer"): the channel
 * `buzzer:<room>` for the round's state, `buzzer.buzz` with the measured round trip, and the
 * host's `buzzer.open`, `buzzer.close` and `buzzer.reset`.
 */
import { HubbubError, type Client } from '../client/node.js'
import { Failure } from './failure.js'
import type { Palette } from './palette.js'
import { printable } from './printable.js'

/** Pings per round-trip measurement; the median counts (as the web buzzer does). */
const PING_SAMPLES = 5

export type HostAction = 'open' | 'close' | 'reset'

/** A round's state as the buzzer app publishes it. */
interface Snapshot {
  open: boolean
  hosted: boolean
  roundId: string
  results: { name: string; behindMs: number; place: number }[]
}

const isSnapshot = (value: unknown): value is Snapshot =>
  typeof value === 'object' &&
  value !== null &&
  'open' in value &&
  typeof value.open === 'boolean' &&
  'roundId' in value &&
  typeof value.roundId === 'string' &&
  'results' in value &&
  Array.isArray(value.results)

interface BuzzReply {
  place: number
  behindMs: number
  repeat: boolean
}

const isBuzzReply = (value: unknown): value is BuzzReply =>
  typeof value === 'object' &&
  value !== null &&
  'place' in value &&
  typeof value.place === 'number' &&
  'behindMs' in value &&
  typeof value.behindMs === 'number'

/** `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`, … */
export const ordinal = (place: number): string => {
  const tens = place % 100
  if (tens >= 11 && tens <= 13) return `${place}th`
  const suffix = ['th', 'st', 'nd', 'rd'][place % 10] ?? 'th'
  return `${place}${suffix}`
}

/** `0.42 s`. */
const seconds = (ms: number): string => `${(ms / 1_000).toFixed(2)} s`

/** What a buzz's reply says: `First place!`, `2nd place, 0.42 s slower.`, or a repeat. */
export const describeBuzz = ({ place, behindMs, repeat }: BuzzReply): string => {
  const standing =
    place === 1 ? 'first place' : `${ordinal(place)} place, ${seconds(behindMs)} slower`
  if (repeat) return `You already buzzed in this round: ${standing}.`
  return place === 1 ? 'First place!' : `${standing.charAt(0).toUpperCase()}${standing.slice(1)}.`
}

/** `1. Alice, 2. Bob +0.42 s` */
export const describeResults = (results: Snapshot['results']): string =>
  results
    .map(({ place, name, behindMs }) =>
      place === 1 ? `1. ${printable(name)}` : `${place}. ${printable(name)} +${seconds(behindMs)}`,
    )
    .join(', ')

const failure = (error: unknown): string => {
  if (!(error instanceof HubbubError)) return error instanceof Error ? error.message : String(error)
  switch (error.code) {
    case 'forbidden':
      return 'The round is closed.'
    case 'too_many_requests':
      return 'The round is full.'
    case 'disconnected':
      return 'Not connected: the buzz did not count.'
    default:
      return `${error.message} (${error.code})`
  }
}

export interface BuzzerRoom {
  /** Buzzes and shows the answer. */
  buzz(): Promise<void>
  /** Opens, closes or resets the room's round as its host, and shows the outcome. */
  host(action: HostAction): Promise<void>
  /** Measures the round trip again (the server credits half of it to each buzz). */
  measure(): Promise<void>
}

/**
 * Joins `buzzer:<room>` and shows, through `print`, when a round opens and how it ended (the
 * published results, which the server keeps in order as slower links' buzzes arrive).
 * `onFailure` hears when the room cannot be joined (a bad name) or the server ends it.
 */
export const joinBuzzerRoom = (
  client: Client,
  room: string,
  view: { print: (line: string) => void; onFailure: (error: Failure) => void },
  palette: Palette,
): BuzzerRoom => {
  const { print } = view
  const sub = client.channel(`buzzer:${room}`)
  sub.on('error', (error) => {
    view.onFailure(
      new Failure(`cannot join the buzzer room ${room}: ${error.message} (${error.code})`),
    )
  })
  sub.on('unsubscribed', ({ code, reason }) => {
    view.onFailure(new Failure(`the server ended the buzzer room ${room}: ${reason} (${code})`))
  })
  let last: Snapshot | undefined
  let rttMs: number | undefined
  const notice = (text: string): void => {
    print(palette.dim(`* ${text}`))
  }
  const follow = (snapshot: unknown): void => {
    if (!isSnapshot(snapshot)) return
    const previous = last
    last = snapshot
    if (previous === undefined) {
      if (snapshot.open) notice('a round is open: buzz!')
      return
    }
    const isNewRound = snapshot.roundId !== previous.roundId
    if (snapshot.open && (isNewRound || !previous.open)) notice('a round is open: buzz!')
    else if (!snapshot.open && previous.open && snapshot.results.length > 0)
      notice(`round over: ${describeResults(snapshot.results)}`)
    else if (!snapshot.open && previous.open) notice('round over: nobody buzzed')
    else if (!snapshot.open && isNewRound) notice('reset: no round open')
  }
  sub.on('state', follow)
  sub.on('message', (pub) => {
    follow(pub.data)
  })

  const measure = async (): Promise<void> => {
    const timesMs: number[] = []
    for (let i = 0; i < PING_SAMPLES; i += 1) {
      const startedAtMs = performance.now()
      await client.rpc('buzzer.ping', {})
      timesMs.push(performance.now() - startedAtMs)
    }
    timesMs.sort((a, b) => a - b)
    rttMs = Math.round((timesMs[Math.floor(timesMs.length / 2)] ?? 0) * 10) / 10
  }

  return {
    async buzz() {
      try {
        const reply = await client.rpc('buzzer.buzz', {
          room,
          ...(rttMs === undefined ? {} : { rttMs }),
        })
        if (!isBuzzReply(reply)) throw new Error('the server answered the buzz with nonsense')
        const text = describeBuzz(reply)
        print(reply.place === 1 && !reply.repeat ? palette.green(palette.bold(text)) : text)
      } catch (error) {
        print(palette.red(failure(error)))
      }
    },
    async host(action) {
      try {
        await client.rpc(`buzzer.${action}`, { room })
      } catch (error) {
        print(palette.red(`Could not ${action} the round: ${failure(error)}`))
      }
    },
    measure,
  }
}
