import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { ApiInfo, DisconnectRecord } from '../../src/protocol/index.ts'
import { callApi, createMetricsReader, WrongKeyError } from './api.ts'
import { parseScrape, ratesBetween, type MetricsRates, type MetricsScrape } from './metrics-text.ts'

/** How often the view reads the API and `/metrics`. */
export const REFRESH_MS = 2_000

export interface AdminData {
  info: ApiInfo
  channels: { channel: string; subscribers: number }[]
  disconnects: DisconnectRecord[]
  /** Undefined when the server serves no `/metrics`. */
  scrape: MetricsScrape | undefined
  /** Undefined until two scrapes are in. */
  rates: MetricsRates | undefined
}

export interface AdminState {
  data: AdminData | undefined
  /** The last refresh's failure, other than a refused key. */
  problem: string | undefined
  /** Reads everything now (after an action), besides every {@link REFRESH_MS}. */
  refresh: () => void
}

/**
 * Everything the admin view shows, read with `key` every {@link REFRESH_MS}. Calls `onWrongKey`
 * when the server refuses the key.
 */
export const useAdminData = (key: string, onWrongKey: () => void): AdminState => {
  const [data, setData] = useState<AdminData>()
  const [problem, setProblem] = useState<string>()
  const previous = useRef<MetricsScrape | undefined>(undefined)
  const readMetrics = useRef(createMetricsReader(key))
  const wrongKey = useRef(onWrongKey)
  wrongKey.current = onWrongKey

  const refresh = useCallback(() => {
    void (async () => {
      try {
        const [info, { channels }, { disconnects }, text] = await Promise.all([
          callApi(key, 'info', {}),
          callApi(key, 'channels', {}),
          callApi(key, 'disconnects', { limit: 20 }),
          readMetrics.current(),
        ])
        const scrape = text === undefined ? undefined : parseScrape(text, Date.now())
        const before = previous.current
        previous.current = scrape
        const rates =
          scrape === undefined || before === undefined ? undefined : ratesBetween(before, scrape)
        const busiest = [...channels].sort(
          (a, b) => b.subscribers - a.subscribers || a.channel.localeCompare(b.channel),
        )
        setData({ info, channels: busiest, disconnects, scrape, rates })
        setProblem(undefined)
      } catch (error) {
        if (error instanceof WrongKeyError) wrongKey.current()
        else setProblem(error instanceof Error ? error.message : String(error))
      }
    })()
  }, [key])

  useEffect(() => {
    refresh()
    const timer = setInterval(refresh, REFRESH_MS)
    return () => {
      clearInterval(timer)
    }
  }, [refresh])

  return { data, problem, refresh }
}
