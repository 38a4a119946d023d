/**
 * This process as the single node of a SQLite engine: its deliver callback, the channels it
 * subscribes to, and whether it is closed. Shared by the engine's parts.
 */
import { settleNow } from './sqlite-values.js'
import type { Deliver } from './types.js'

export interface LocalNode {
  /** Set by `start`. */
  deliver: Deliver | undefined
  /** Channels delivered to this node. */
  readonly channels: Set<string>
  isClosed: boolean
}

export const createLocalNode = (): LocalNode => ({
  deliver: undefined,
  channels: new Set(),
  isClosed: false,
})

/** Runs `fn` now, like {@link settleNow}, or rejects once the engine is closed. */
export const whenOpen = <T>(node: LocalNode, fn: () => T): Promise<Awaited<T>> =>
  settleNow(() => {
    if (node.isClosed) throw new Error('the sqlite engine is closed')
    return fn()
  })
