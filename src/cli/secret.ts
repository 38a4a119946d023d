/**
 * The server secret of `hubbub serve`: it signs anonymous credentials, so it must outlive the
 * process for anonymous people to keep their identity (and their notification inbox) across
 * restarts. Given by `--secret`/`HUBBUB_SECRET`, else generated once into `<data dir>/secret`.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The file inside a data directory that keeps the generated secret. */
export const secretFile = (dataDir: string): string => join(dataDir, 'secret')

/**
 * Reads the data directory's secret, creating it (mode 0600, never overwriting one that another
 * process wrote first) when there is none. Throws the file system's error when it cannot.
 */
export const loadOrCreateSecret = (dataDir: string): string => {
  const file = secretFile(dataDir)
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
    return secret
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return readFileSync(file, 'utf8').trim()
  }
}
