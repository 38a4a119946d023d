import { useCallback, useRef, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useChannel } from '../src/use-client.ts'
import {
  counterValue,
  initialCounter,
  onCall,
  onFailure,
  onReply,
  onUpdate,
  shownValue,
  type CounterState,
} from './counter-state.ts'

export interface Counter {
  /** The number to show; undefined until the server told it. */
  value: number | undefined
  /** Adds `delta` (negative to subtract) through the `counter.add` rpc. */
  add: (delta: number) => void
  /** Why the last call failed, until the next one succeeds. */
  error: string | undefined
}

/** The counter `name`, live from its channel `counter:<name>` (see counter-state.ts). */
export const useCounter = (client: Client, name: string): Counter => {
  // A ref as well as state: replies must see the state as of their arrival, not of a render.
  const state = useRef<CounterState>(initialCounter)
  const [shown, setShown] = useState<number | undefined>(undefined)
  const [error, setError] = useState<string>()
  const update = useCallback((change: (current: CounterState) => CounterState) => {
    state.current = change(state.current)
    setShown(shownValue(state.current))
  }, [])

  useChannel(client, `counter:${name}`, {}, (opened) => {
    const apply = (data: unknown): void => {
      const value = counterValue(data)
      if (value !== undefined) update((current) => onUpdate(current, value))
    }
    const offs = [
      opened.on('state', apply),
      opened.on('message', (pub) => {
        apply(pub.data)
      }),
    ]
    return () => {
      for (const off of offs) off()
    }
  })

  const add = useCallback(
    (delta: number) => {
      const updatesAtCall = state.current.updates
      update((current) => onCall(current, delta))
      client.rpc('counter.add', { name, delta }).then(
        (result) => {
          const value = counterValue(result)
          update((current) =>
            value === undefined
              ? onFailure(current, delta)
              : onReply(current, delta, value, updatesAtCall),
          )
          setError(undefined)
        },
        (failure: unknown) => {
          update((current) => onFailure(current, delta))
          setError(failure instanceof Error ? failure.message : 'the call failed')
        },
      )
    },
    [client, name, update],
  )

  return { value: shown, add, error }
}
