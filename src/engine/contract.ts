/**
 * The engine contract suite: what every {@link Engine} (memory, sqlite, redis) must do, as vitest
 * tests. Call it at the top level of an engine's test file. Deliveries and expiries are awaited by
 * polling, never assumed synchronous, so engines that deliver through a network pass too.
 */
import { afterEach, describe } from 'vitest'
import { describeBrokerContract } from './contract-broker.js'
import { describeClusterContract } from './contract-cluster.js'
import { createContractHarness } from './contract-harness.js'
import { describeHistoryBoundContract, type MakeBoundedEngine } from './contract-history-bound.js'
import { describePresenceStateContract } from './contract-presence-state.js'
import type { Engine } from './types.js'

export interface EngineContractOptions {
  /**
   * Two new, unstarted engines on one backend, acting as two nodes of one cluster.
   * @default undefined (the multi-node tests are not run)
   */
  makePeers?: () => Promise<[Engine, Engine]>
  /**
   * A new, unstarted engine made with `maxHistoryBytes` and the clock `now`, with what it counts
   * towards the bound.
   * @default undefined (the history bound tests are not run)
   */
  makeBoundedEngine?: MakeBoundedEngine
  /** How long a test waits for a delivery or an expiry before it fails. @default 2_000 */
  waitTimeoutMs?: number
  /** The short TTL of the expiry tests; raise it for backends with coarse expiry. @default 80 */
  ttlMs?: number
}

const contractDefaults = { waitTimeoutMs: 2_000, ttlMs: 80 }

/** Runs the contract against the engines `makeEngine` returns (new and unstarted each time). */
export const runEngineContract = (
  name: string,
  makeEngine: () => Engine | Promise<Engine>,
  options: EngineContractOptions = {},
): void => {
  const harness = createContractHarness({
    makeEngine,
    makePeers: options.makePeers,
    waitTimeoutMs: options.waitTimeoutMs ?? contractDefaults.waitTimeoutMs,
    ttlMs: options.ttlMs ?? contractDefaults.ttlMs,
  })

  describe(`engine contract: ${name}`, () => {
    afterEach(async () => {
      await harness.closeAll()
    })

    describeBrokerContract(harness)
    describePresenceStateContract(harness)
    describeClusterContract(harness)
    if (options.makeBoundedEngine !== undefined)
      describeHistoryBoundContract(options.makeBoundedEngine)
  })
}
