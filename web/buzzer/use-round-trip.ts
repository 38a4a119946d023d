import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useConnection } from '../src/use-connection.ts'
import { measureRoundTrip } from './round-trip.ts'

/** While the room is idle, the round trip is measured again this often. */
const REMEASURE_MS = 30_000

export interface RoundTrip {
  /** The last measured round trip in ms; undefined until the first measurement. */
  rttMs: number | undefined
  isMeasuring: boolean
  /** Measures again now. */
  measure: () => void
}

/**
 * The page's round trip to the server, measured on every (re)connect and then every 30 s, but
 * only while `isIdle` (no round open), so pings never compete with buzzes.
 */
export const useRoundTrip = (client: Client, isIdle: boolean): RoundTrip => {
  const [rttMs, setRttMs] = useState<number>()
  const [isMeasuring, setIsMeasuring] = useState(false)
  const isRunning = useRef(false)
  const isConnected = useConnection(client) === 'connected'

  const measure = useCallback(() => {
    if (isRunning.current) return
    isRunning.current = true
    setIsMeasuring(true)
    measureRoundTrip(client)
      .then(setRttMs, (error: unknown) => {
        // Kept as it was: the next measurement (or reconnect) tries again.
        console.warn('could not measure the round trip', error)
      })
      .finally(() => {
        isRunning.current = false
        setIsMeasuring(false)
      })
  }, [client])

  useEffect(() => {
    if (!isConnected || !isIdle) return undefined
    measure()
    const timer = setInterval(measure, REMEASURE_MS)
    return () => {
      clearInterval(timer)
    }
  }, [isConnected, isIdle, measure])

  return { rttMs, isMeasuring, measure }
}
