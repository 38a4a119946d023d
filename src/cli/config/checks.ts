/** Checks of string values shared by the config file and the flags; each says what it expects. */
import { isRedisUrl } from '../engine.js'

/** A browser origin, `scheme://host[:port]`. */
export const isOrigin = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.origin !== 'null' && url.origin === value.replace(/\/$/, '')
  } catch {
    return false
  }
}

export const checkOrigin = (value: string): string | undefined =>
  value === '*' || isOrigin(value) ? undefined : 'scheme://host[:port] or *'

export const checkRedisUrl = (value: string): string | undefined =>
  isRedisUrl(value) ? undefined : 'a redis:// or rediss:// URL such as redis://localhost:6379'

export const checkHttpUrl = (value: string): string | undefined => {
  try {
    const { protocol } = new URL(value)
    if (protocol === 'http:' || protocol === 'https:') return undefined
  } catch {
    // Not a URL: said below.
  }
  return 'an http:// or https:// URL'
}

/** A URL with its password (if any) masked, for `--print-config`. */
export const maskUrlPassword = (value: string): string => {
  try {
    const url = new URL(value)
    if (url.password === '') return value
    url.password = '********'
    return url.toString()
  } catch {
    return '********'
  }
}
