import { useCallback, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'

/** What the host can do to a room's round. */
export type HostAction = 'open' | 'close' | 'reset'

export interface Host {
  /** Calls `buzzer.<action>`; the room's publication brings the new state to every page. */
  act: (action: HostAction) => void
  /** The action on its way, if any. */
  pending: HostAction | undefined
  /** Why the last action failed, until the next one. */
  error: string | undefined
}

/** The host's controls of `room`: `buzzer.open`, `buzzer.close` and `buzzer.reset`. */
export const useHost = (client: Client, room: string): Host => {
  const [pending, setPending] = useState<HostAction>()
  const [error, setError] = useState<string>()
  const act = useCallback(
    (action: HostAction) => {
      setPending(action)
      setError(undefined)
      client
        .rpc(`buzzer.${action}`, { room })
        .then(
          () => undefined,
          (failure: unknown) => {
            setError(failure instanceof Error ? failure.message : `could not ${action} the round`)
          },
        )
        .finally(() => {
          setPending(undefined)
        })
    },
    [client, room],
  )
  return { act, pending, error }
}
