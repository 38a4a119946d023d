import { useEffect, useState } from 'preact/hooks'

/** The time in ms, refreshed every `everyMs`, so relative times stay true. */
export const useNow = (everyMs = 30_000): number => {
  const [nowMs, setNowMs] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => {
      setNowMs(Date.now())
    }, everyMs)
    return () => {
      clearInterval(timer)
    }
  }, [everyMs])
  return nowMs
}
