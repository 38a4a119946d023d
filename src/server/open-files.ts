import { readdirSync, readFileSync } from 'node:fs'

/**
 * The soft open-files limit (RLIMIT_NOFILE) of this process, from `/proc/self/limits`; undefined
 * where that file does not exist (not Linux) or says `unlimited`.
 */
export const readOpenFilesLimit = (file = '/proc/self/limits'): number | undefined => {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  // "Max open files            1024                 1048576              files"
  const match = /^Max open files\s+(\d+)\s/m.exec(text)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/** File descriptors this process holds now (`/proc/self/fd`); 0 where it cannot be listed. */
export const countOpenFiles = (): number => {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return 0
  }
}

/**
 * How many sockets the server may hold open: the soft open-files limit less what is already open
 * and less `reserved` (kept for the engine's files, logs, DNS and the like), at least 1; Infinity
 * when the limit is unknown.
 */
export const maxOpenSockets = (reserved: number): number => {
  const limit = readOpenFilesLimit()
  if (limit === undefined) return Number.POSITIVE_INFINITY
  return Math.max(1, limit - countOpenFiles() - reserved)
}
