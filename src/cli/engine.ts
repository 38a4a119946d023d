/**
 * Which storage engine `hubbub serve` runs. Memory is the only one today; the SQLite engine
 * will become the default (with `--memory` to opt out) and Redis will be chosen by its own flag.
 */
import { createMemoryEngine } from '../engine/memory.js'
import type { Engine } from '../engine/types.js'

export type EngineKind = 'memory'

/** What the command line asked for. */
export interface EngineFlags {
  /** `--memory`: keep everything in memory, lost on exit. */
  memory: boolean
}

/** The engine used when no flag picks one. Becomes `'sqlite'` once that engine exists. */
export const defaultEngineKind: EngineKind = 'memory'

/** Picks the engine kind from the flags; flags win over the default. */
export const selectEngineKind = (flags: EngineFlags): EngineKind =>
  flags.memory ? 'memory' : defaultEngineKind

const factories: Record<EngineKind, () => Engine> = {
  memory: createMemoryEngine,
}

/** Creates a fresh engine of `kind`; the server starts and closes it. */
export const createEngine = (kind: EngineKind): Engine => factories[kind]()
