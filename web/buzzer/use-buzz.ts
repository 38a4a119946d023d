import { useCallback, useRef, useState } from 'preact/hooks'
import { HubbubError, type Client } from '../../src/client/index.ts'
import { isOwnResult, type RoomState } from './room-state.ts'
import { decodeBuzzReply, type BuzzerResult } from './snapshot.ts'

/** This player's standing in the current round. Times in ms. */
export interface Standing {
  place: number
  behindMs: number
  compensationMs: number
}

export interface Buzz {
  /** This player's standing in the current round; undefined until it buzzed in it. */
  standing: Standing | undefined
  /** A buzz is on its way. */
  isBuzzing: boolean
  /** Why the last buzz failed, while the round it failed in lasts. */
  error: string | undefined
  /** Buzzes (once per round; calls while one is on its way or after it counted do nothing). */
  buzz: () => void
  /** Whether a result is this person's (this page's, or another tab's of this browser). */
  isOwn: (result: BuzzerResult) => boolean
}

const failureText = (error: unknown): string => {
  if (error instanceof HubbubError)
    switch (error.code) {
      case 'forbidden':
        return 'The round is closed: wait for the host to open the next one.'
      case 'too_many_requests':
        return 'The round is full.'
      case 'disconnected':
        return 'The connection dropped before the buzz was confirmed.'
      default:
        return error.message
    }
  return error instanceof Error ? error.message : 'The buzz failed.'
}

/**
 * Buzzing in `room` as this page: `buzzer.buzz` with the measured round trip. The standing shown
 * comes from the room's published results, which the server keeps in order as slower links'
 * buzzes arrive; the rpc reply stands in only until a newer snapshot arrives.
 */
export const useBuzz = (
  client: Client,
  room: string,
  state: RoomState,
  rttMs: number | undefined,
): Buzz => {
  /** Client ids this page buzzed with: a reconnect changes the id, the results keep the old one. */
  const ownClients = useRef(new Set<string>())
  const [reply, setReply] = useState<{ standing: Standing; version: number }>()
  const [failure, setFailure] = useState<{ text: string; roundId: string | undefined }>()
  const [isBuzzing, setIsBuzzing] = useState(false)
  const self = client.session?.user
  const isOwn = (result: BuzzerResult): boolean =>
    isOwnResult(state, result, self, ownClients.current)
  const own = state.snapshot?.results.find(isOwn)
  const standing: Standing | undefined =
    own ?? (reply !== undefined && reply.version === state.version ? reply.standing : undefined)

  // What the callback needs as of now, not as of the render that made it.
  const latest = useRef({ state, rttMs, isBuzzing, hasBuzzed: standing !== undefined })
  latest.current = { state, rttMs, isBuzzing, hasBuzzed: standing !== undefined }

  const buzz = useCallback(() => {
    const now = latest.current
    if (now.isBuzzing || now.hasBuzzed || client.state !== 'connected') return
    const sessionClient = client.session?.client
    if (sessionClient !== undefined) ownClients.current.add(sessionClient)
    const roundId = now.state.snapshot?.roundId
    latest.current = { ...now, isBuzzing: true }
    setIsBuzzing(true)
    setFailure(undefined)
    const params = now.rttMs === undefined ? { room } : { room, rttMs: now.rttMs }
    client
      .rpc('buzzer.buzz', params)
      .then(
        (result) => {
          const decoded = decodeBuzzReply(result)
          if (decoded === undefined)
            setFailure({ text: 'The server answered the buzz oddly.', roundId })
          else setReply({ standing: decoded, version: latest.current.state.version })
        },
        (error: unknown) => {
          setFailure({ text: failureText(error), roundId })
        },
      )
      .finally(() => {
        latest.current = { ...latest.current, isBuzzing: false }
        setIsBuzzing(false)
      })
  }, [client, room])

  const error =
    failure !== undefined && failure.roundId === state.snapshot?.roundId ? failure.text : undefined
  return { standing, isBuzzing, error, buzz, isOwn }
}
