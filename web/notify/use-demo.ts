import { useCallback, useEffect, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { readItem, writeItem } from '../src/storage.ts'

const KEY = 'hubbub.notifyDemo'

export interface Demo {
  isOn: boolean
  isPending: boolean
  /** Why the last switch failed, until the next one. */
  error: string | undefined
  set: (isOn: boolean) => void
}

/**
 * The demo source (`notify.demo`): a random notification every 5-15 s for this user. The switch
 * is remembered by the browser, kept in step across its tabs, and sent again on every
 * (re)connect, since the server forgets demos when it restarts.
 */
export const useDemo = (client: Client): Demo => {
  const [isOn, setIsOn] = useState(() => readItem(KEY) === 'on')
  const [isPending, setIsPending] = useState(false)
  const [error, setError] = useState<string>()

  const send = useCallback(
    (enabled: boolean): Promise<void> =>
      client.rpc('notify.demo', { enabled }).then(() => {
        setError(undefined)
      }),
    [client],
  )

  const set = useCallback(
    (next: boolean) => {
      setIsOn(next)
      writeItem(KEY, next ? 'on' : 'off')
      setIsPending(true)
      send(next)
        .catch((failure: unknown) => {
          setIsOn(!next)
          writeItem(KEY, next ? 'off' : 'on')
          setError(failure instanceof Error ? failure.message : 'the switch failed')
        })
        .finally(() => {
          setIsPending(false)
        })
    },
    [send],
  )

  // Another tab switched it: follow (that tab told the server).
  useEffect(() => {
    const onStorage = (event: StorageEvent): void => {
      if (event.key === KEY) setIsOn(event.newValue === 'on')
    }
    window.addEventListener('storage', onStorage)
    return () => {
      window.removeEventListener('storage', onStorage)
    }
  }, [])

  useEffect(() => {
    const resume = (): void => {
      if (readItem(KEY) !== 'on') return
      send(true).catch((failure: unknown) => {
        setError(failure instanceof Error ? failure.message : 'the demo did not restart')
      })
    }
    if (client.state === 'connected') resume()
    return client.on('connected', resume)
  }, [client, send])

  return { isOn, isPending, error, set }
}
