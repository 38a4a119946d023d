/**
 * A server-wide bound on one kind of stored app object (counters, inboxes), plus budgets for
 * creating them: past `maxObjects` the least recently used object that is not live is evicted
 * (its stored state deleted), and when the oldest ones are all live a new object is refused with
 * `quota`. A client creates new objects within a token bucket per connection, one per user and
 * one per IP address, the last {@link PER_ADDRESS_FACTOR} times larger, shared by everyone behind
 * it (`too_many_requests` past any); the server (apps, the HTTP API) has no creation budget but
 * is held to `maxObjects` too. The index lives in this node's memory: after a restart, objects
 * join it as they are used again.
 */
import { ErrorCode } from '../../protocol/index.js'
import { ReplyError, type RpcCaller } from '../../server/index.js'
import { createUserRateLimit } from './user-rate-limit.js'

export interface ObjectBudgetOptions {
  /** Objects kept. */
  maxObjects: number
  /** Sustained new objects per second, per connection and per user. */
  createsPerSecond: number
  /** New objects a connection or a user may create at once. */
  createBurst: number
  /** The objects, plural, for messages: `counters`. */
  what: string
  /** Whether someone uses the object now: a live object is never evicted. */
  isLive(name: string): Promise<boolean>
  /** Deletes the object's stored state. */
  evict(name: string): Promise<void>
}

export interface ObjectBudget {
  /**
   * Records a use of `name`; a new one is charged to `caller`'s budgets and gets room (evicting
   * an idle object if needed). Rejects with `too_many_requests` or `quota`.
   */
  admit(name: string, caller: RpcCaller | undefined): Promise<void>
}

/** An IP address's creation budget, in connections' budgets: room for a few people behind a NAT. */
export const PER_ADDRESS_FACTOR = 5

/** How many of the least recently used objects one admission looks at for an idle one. */
const EVICTION_SCAN = 16

export const createObjectBudget = (options: ObjectBudgetOptions): ObjectBudget => {
  // Insertion order is use order: the first key is the least recently used.
  const known = new Set<string>()
  const perConnection = createUserRateLimit(options.createsPerSecond, options.createBurst)
  const perUser = createUserRateLimit(options.createsPerSecond, options.createBurst)
  const perAddress = createUserRateLimit(
    options.createsPerSecond * PER_ADDRESS_FACTOR,
    options.createBurst * PER_ADDRESS_FACTOR,
  )
  // Admissions of new objects run one at a time, so that two cannot take the same free place.
  let tail: Promise<void> = Promise.resolve()
  const admitting = new Map<string, Promise<void>>()

  const makeRoom = async (): Promise<void> => {
    while (known.size >= options.maxObjects) {
      const candidates = [...known].slice(0, EVICTION_SCAN)
      let evicted = false
      for (const candidate of candidates) {
        if (await options.isLive(candidate)) {
          // Still in use: it goes to the back of the line.
          known.delete(candidate)
          known.add(candidate)
          continue
        }
        known.delete(candidate)
        await options.evict(candidate)
        evicted = true
        break
      }
      if (!evicted)
        throw new ReplyError(
          ErrorCode.Quota,
          `this server keeps at most ${options.maxObjects} ${options.what} and the oldest are in use; try again later`,
        )
    }
  }

  return {
    admit(name, caller) {
      if (known.has(name)) {
        known.delete(name)
        known.add(name)
        return Promise.resolve()
      }
      // Concurrent first uses of one name are one creation, charged once.
      const pending = admitting.get(name)
      if (pending !== undefined) return pending
      if (caller !== undefined && !caller.isServer) {
        perConnection.take(caller.member.client, `new ${options.what}`)
        perUser.take(caller.member.user, `new ${options.what}`)
        if (caller.address !== undefined)
          perAddress.take(caller.address, `new ${options.what} from your address`)
      }
      const admitted = tail.then(async () => {
        if (known.has(name)) return
        await makeRoom()
        known.add(name)
      })
      admitting.set(name, admitted)
      tail = admitted.then(
        () => undefined,
        () => undefined,
      )
      void tail.then(() => admitting.delete(name))
      return admitted
    },
  }
}
