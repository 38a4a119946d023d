import { useEffect, useState } from 'preact/hooks'

export type ColorScheme = 'light' | 'dark'

const query = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)')

/** The system's light or dark setting, following changes. */
export const useColorScheme = (): ColorScheme => {
  const [scheme, setScheme] = useState<ColorScheme>(() => (query().matches ? 'dark' : 'light'))
  useEffect(() => {
    const list = query()
    const onChange = (): void => {
      setScheme(list.matches ? 'dark' : 'light')
    }
    list.addEventListener('change', onChange)
    return () => {
      list.removeEventListener('change', onChange)
    }
  }, [])
  return scheme
}
