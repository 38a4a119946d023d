/**
 * The SQLite engine's State: JSON text in the `state` table. Writes go through the commit queue
 * and resolve once committed; an increment reads the queued value first, so increments made in
 * one turn add up. A read of a key with a queued write waits for that commit.
 */
import type { Database, Statement } from 'better-sqlite3'
import { readAfterCommit, settleAfterCommit, type CommitQueue } from './sqlite-commit.js'
import { whenOpen, type LocalNode } from './sqlite-node.js'
import { toJsonText } from './sqlite-values.js'
import type { State } from './types.js'

export class SqliteState implements State {
  readonly #node: LocalNode
  readonly #queue: CommitQueue
  readonly #select: Statement<[string], { value: string }>

  constructor(db: Database, parts: { node: LocalNode; queue: CommitQueue }) {
    this.#node = parts.node
    this.#queue = parts.queue
    this.#select = db.prepare('SELECT value FROM state WHERE key = ?')
  }

  get(key: string): Promise<unknown> {
    return whenOpen(this.#node, () =>
      this.#queue.hasPendingState(key)
        ? readAfterCommit(this.#queue, () => this.#read(key))
        : this.#read(key),
    )
  }

  set(key: string, value: unknown): Promise<void> {
    return whenOpen(this.#node, () => {
      this.#queue.queueState(key, toJsonText(value, `state value for "${key}"`))
      return settleAfterCommit(this.#queue, 'write', undefined, undefined)
    })
  }

  incr(key: string, delta: number): Promise<number> {
    return whenOpen(this.#node, () => {
      if (!Number.isFinite(delta)) throw new Error('incr delta must be a finite number')
      const json = this.#queue.hasPendingState(key)
        ? this.#queue.pendingState(key)
        : this.#select.get(key)?.value
      const current: unknown = json === undefined ? 0 : JSON.parse(json)
      if (typeof current !== 'number') throw new Error(`state value "${key}" is not a number`)
      const next = current + delta
      // JSON would store an infinite sum as null.
      if (!Number.isFinite(next)) throw new Error(`state value "${key}" would not be finite`)
      this.#queue.queueState(key, JSON.stringify(next))
      return settleAfterCommit(this.#queue, 'write', undefined, next)
    })
  }

  delete(key: string): Promise<void> {
    return whenOpen(this.#node, () => {
      this.#queue.queueState(key, undefined)
      return settleAfterCommit(this.#queue, 'write', undefined, undefined)
    })
  }

  /** The committed value; parsed afresh, so no caller holds a stored value. */
  #read(key: string): unknown {
    const row = this.#select.get(key)
    return row === undefined ? undefined : JSON.parse(row.value)
  }
}
