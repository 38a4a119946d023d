/**
 * What the parts of the engine contract suite share: fixtures, and a harness that starts engines,
 * remembers them so that each test's engines are closed after it, and awaits deliveries and
 * expiries by polling.
 */
import type { Member, Position, Pub } from '../protocol/index.js'
import type { BrokerMessage, Engine, HistoryQuery, PubDraft, Retention } from './types.js'

/** A started engine and everything it delivered, in order. */
export interface Started {
  engine: Engine
  received: { channel: string; msg: BrokerMessage }[]
}

let uidCount = 0
/** A channel or key name no other test (or earlier run against a shared backend) uses. */
export const uid = (label: string): string =>
  `${label}-${(uidCount += 1).toString(36)}-${Math.random().toString(36).slice(2, 10)}`

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms))

export const keep = (overrides?: Partial<Retention>): Retention => ({
  historySize: 100,
  historyTtlMs: 60_000,
  dedupWindowMs: 60_000,
  ...overrides,
})

export const draft = (data: unknown, extra?: Partial<PubDraft>): PubDraft => ({
  data,
  time: Date.now(),
  ...extra,
})

export const member = (client: string, name = client, user = `anon:${client}`): Member => ({
  client,
  user,
  name,
})

export const messagesOn = (node: Started, channel: string): BrokerMessage[] =>
  node.received.filter((r) => r.channel === channel).map((r) => r.msg)

export const pubsOn = (node: Started, channel: string): Pub[] =>
  messagesOn(node, channel).flatMap((msg) => (msg.kind === 'pub' ? [msg.pub] : []))

export const byClient = (members: Member[]): Member[] =>
  [...members].sort((a, b) => a.client.localeCompare(b.client))

/** The contract's options, resolved. */
export interface HarnessSettings {
  makeEngine: () => Engine | Promise<Engine>
  makePeers: (() => Promise<[Engine, Engine]>) | undefined
  waitTimeoutMs: number
  ttlMs: number
}

export interface ContractHarness {
  /** The short TTL of the expiry tests. */
  readonly ttlMs: number
  /** Whether {@link ContractHarness.startPeers} can be called. */
  readonly hasPeers: boolean
  /** Resolves once `check` holds; rejects when it still does not after the wait timeout. */
  eventually: (what: string, check: () => boolean | Promise<boolean>) => Promise<void>
  /** A new engine, started. */
  start: () => Promise<Started>
  /** Two new engines on one backend, started. */
  startPeers: () => Promise<[Started, Started]>
  /** Closes `node` ahead of the end of its test. */
  close: (node: Started) => Promise<void>
  /** Closes every engine started and not yet closed. */
  closeAll: () => Promise<void>
  /**
   * Resolves once everything `node` published before it has been delivered to `node`: a signal it
   * emits to itself arrives after them (engines deliver one node's messages in the order sent).
   */
  barrier: (node: Started) => Promise<void>
  /** Publishes the data 1 to `count` in order. */
  publishAll: (
    node: Started,
    channel: string,
    count: number,
    retention?: Retention,
  ) => Promise<Position[]>
  /** The data of the publications `query` returns. */
  historyData: (node: Started, channel: string, query: HistoryQuery) => Promise<unknown[]>
}

export const createContractHarness = (settings: HarnessSettings): ContractHarness => {
  const { makeEngine, makePeers, waitTimeoutMs, ttlMs } = settings
  const opened = new Set<Engine>()

  const eventually = async (what: string, check: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + waitTimeoutMs
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${waitTimeoutMs} ms: ${what}`)
      await sleep(5)
    }
  }

  const startNode = async (engine: Engine): Promise<Started> => {
    const node: Started = { engine, received: [] }
    opened.add(engine)
    await engine.start((channel, msg) => node.received.push({ channel, msg }))
    return node
  }

  return {
    ttlMs,
    hasPeers: makePeers !== undefined,
    eventually,
    start: async () => startNode(await makeEngine()),
    startPeers: async () => {
      if (makePeers === undefined) throw new Error('makePeers is required for multi-node tests')
      const [a, b] = await makePeers()
      return [await startNode(a), await startNode(b)]
    },
    close: async (node) => {
      opened.delete(node.engine)
      await node.engine.close()
    },
    closeAll: async () => {
      const engines = [...opened]
      opened.clear()
      await Promise.all(engines.map((engine) => engine.close()))
    },
    barrier: async (node) => {
      const channel = uid('barrier')
      await node.engine.broker.subscribe(channel)
      await node.engine.broker.emit(channel, {
        kind: 'signal',
        from: member('barrier'),
        data: null,
      })
      await eventually('the barrier signal', () => messagesOn(node, channel).length > 0)
    },
    publishAll: async (node, channel, count, retention = keep()) => {
      const positions = []
      for (let i = 1; i <= count; i++) {
        positions.push(await node.engine.broker.publish(channel, draft(i), retention))
      }
      return positions
    },
    historyData: async (node, channel, query) =>
      (await node.engine.broker.history(channel, query)).pubs.map((pub) => pub.data),
  }
}
