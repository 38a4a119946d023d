import { readFileSync } from 'node:fs'

/**
 * The version in the package's package.json, found relative to this module (two levels up from
 * `dist/cli/` or `src/cli/`), so it is right wherever the package is installed.
 */
export const packageVersion = (): string => {
  const url = new URL('../../package.json', import.meta.url)
  const manifest: unknown = JSON.parse(readFileSync(url, 'utf8'))
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    !('version' in manifest) ||
    typeof manifest.version !== 'string'
  )
    throw new Error(`${url.pathname} has no "version" string`)
  return manifest.version
}
