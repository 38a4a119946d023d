import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')

/**
 * A full garbage collection, so that memory figures show what is still referenced rather than
 * what the collector has not reached yet. (`--expose-gc` set at run time, then `gc` fetched from
 * a fresh context, where V8 installs it.)
 */
export const collectGarbage = runInNewContext('gc') as () => void
