/**
 * `--workers [<n>]` (or `HUBBUB_WORKERS`) of `hubbub serve`: how many worker processes share the
 * port. `auto`, or the flag without a value, means one per core.
 */
import { availableParallelism } from 'node:os'
import { UsageError } from '../usage.js'

/** More workers than this is a typo, not a machine. */
export const MAX_WORKERS = 1_024

const FLAG = '--workers'

/**
 * The arguments with a bare `--workers` (last, or followed by another option) written as
 * `--workers=auto`, which `util.parseArgs` can read; after `--`, nothing is touched.
 */
export const expandBareWorkersFlag = (args: readonly string[]): string[] => {
  const end = args.indexOf('--')
  return args.map((arg, index) => {
    if (arg !== FLAG || (end !== -1 && index > end)) return arg
    const next = args[index + 1]
    return next === undefined || next.startsWith('-') ? `${FLAG}=auto` : arg
  })
}

/**
 * The worker count `value` asks for: `auto` (or empty) is `os.availableParallelism()`, else a
 * whole number from 1 to {@link MAX_WORKERS}. `source` (`--workers`, `HUBBUB_WORKERS`) names it in
 * the error, which is a `UsageError` of `command`.
 */
export const parseWorkerCount = (value: string, source: string, command: string): number => {
  if (value === '' || value === 'auto') return availableParallelism()
  const count = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!(count >= 1 && count <= MAX_WORKERS))
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected auto or a whole number from 1 to ${MAX_WORKERS}`,
      command,
    )
  return count
}
