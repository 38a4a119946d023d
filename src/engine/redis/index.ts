/**
 * The Redis engine: any number of nodes share channels, history, presence and state through one
 * Redis, with no sticky sessions. A publication gets its seq, is kept and is fanned out by one Lua
 * script, so every node delivers a channel's publications in the same order; epochs live in Redis,
 * so a Redis that lost its data gives a new epoch and clients are told `recovered: false`. What
 * pub/sub loses is healed from history ({@link FanIn}). Commands that Redis does not answer in
 * `commandTimeoutMs` reject, and the server answers `unavailable`, instead of hanging.
 */
import { randomBytes } from 'node:crypto'
import type { Member, Position, Pub } from '../../protocol/index.js'
import type { BrokerMessage, Engine, HistoryPage, Pingable } from '../types.js'
import { FanIn } from './fan-in.js'
import { channelKeys, stateKey } from './keys.js'
import {
  HISTORY_SCRIPT,
  INCR_SCRIPT,
  PRESENCE_ADD_SCRIPT,
  PRESENCE_LIST_SCRIPT,
  PRESENCE_REMOVE_SCRIPT,
  PUBLISH_SCRIPT,
} from './scripts.js'
import { RedisLinks } from './links.js'
import { ScriptRunner } from './script-runner.js'

export interface RedisEngineOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string
  /** Prefix of every key and pub/sub channel, so that several hubbubs can share one Redis. @default 'hubbub' */
  prefix?: string
  /** A command Redis has not answered by then rejects (the server answers `unavailable`). @default 2_000 */
  commandTimeoutMs?: number
  /** How long connecting may take, at start and on each reconnect. @default 5_000 */
  connectTimeoutMs?: number
  /**
   * How often each subscribed channel's top is compared with what this node delivered, to catch
   * publications that pub/sub lost silently.
   * @default 5_000
   */
  positionCheckMs?: number
  /**
   * How long a stream outlives its last publish or history read once it keeps no publications.
   * Its next use then starts a new epoch.
   * @default 3_600_000 (1 hour)
   */
  streamIdleTtlMs?: number
  /**
   * How often each connection to Redis carries something (a PING, or a heartbeat publication the
   * node sends itself); one that carries nothing for three of them is closed and made again.
   * @default 1_000
   */
  heartbeatMs?: number
  /** Receives errors of the connections and of background work; they never throw. */
  onError?: (error: Error) => void
}

export const redisDefaults = {
  prefix: 'hubbub',
  commandTimeoutMs: 2_000,
  connectTimeoutMs: 5_000,
  positionCheckMs: 5_000,
  streamIdleTtlMs: 3_600_000,
  heartbeatMs: 1_000,
} as const

/** Could not reach Redis at start; `reason` says why, without the URL's password. */
export class RedisConnectError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach Redis at ${where}: ${reason}`, options)
    this.name = 'RedisConnectError'
  }
}

/** The URL with its password replaced, for messages and logs. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return '(an unparsable URL)'
  }
}

const newEpoch = (): string => randomBytes(6).toString('base64url')

/**
 * The epoch a stream gets if the next script creates it: drawn once, and again only after a
 * script used it, so that publishing to existing streams draws no random bytes.
 */
class EpochCandidate {
  #next = newEpoch()

  get value(): string {
    return this.#next
  }

  /** The script answered `epoch`: if it created the stream with ours, draw a fresh one. */
  settle(epoch: unknown): void {
    if (epoch === this.#next) this.#next = newEpoch()
  }
}

/** JSON text, rejecting values JSON cannot represent. */
const jsonOf = (value: unknown, what: string): string => {
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) throw new Error(`${what} is not JSON-serialisable`)
  return json
}

type Reply = (string | number)[]

const parsePub = (json: string): Pub => JSON.parse(json) as Pub

const ALL_SCRIPTS = [
  PUBLISH_SCRIPT,
  HISTORY_SCRIPT,
  PRESENCE_ADD_SCRIPT,
  PRESENCE_LIST_SCRIPT,
  PRESENCE_REMOVE_SCRIPT,
  INCR_SCRIPT,
]

/** Channels a node remembers as existing before it starts over (see `knownStreams`). */
const MAX_KNOWN_STREAMS = 50_000

/** An engine on the Redis at `options.url`; see {@link RedisEngineOptions}. */
export const createRedisEngine = (options: RedisEngineOptions): Engine & Pingable => {
  const prefix = options.prefix ?? redisDefaults.prefix
  const commandTimeoutMs = options.commandTimeoutMs ?? redisDefaults.commandTimeoutMs
  const connectTimeoutMs = options.connectTimeoutMs ?? redisDefaults.connectTimeoutMs
  const positionCheckMs = options.positionCheckMs ?? redisDefaults.positionCheckMs
  const streamIdleTtlMs = options.streamIdleTtlMs ?? redisDefaults.streamIdleTtlMs
  const onError = options.onError ?? (() => undefined)
  const where = redactUrl(options.url)
  const candidate = new EpochCandidate()

  const heartbeatMs = options.heartbeatMs ?? redisDefaults.heartbeatMs
  let fanIn: FanIn | undefined
  let checker: NodeJS.Timeout | undefined
  let state: 'new' | 'started' | 'closed' = 'new'
  /** Subscriptions (to Redis) being made or removed, by channel, so that they apply in order. */
  const subscribing = new Map<string, Promise<void>>()
  /** The hubbub channel of each subscribed topic. */
  const channelOfTopic = new Map<string, string>()

  const report = (error: unknown): void => {
    onError(error instanceof Error ? error : new Error(String(error)))
  }

  const onMessage = (message: string, topic: string): void => {
    const channel = channelOfTopic.get(topic)
    if (channel === undefined) return
    let msg: BrokerMessage
    try {
      msg =
        message.charAt(0) === 'p'
          ? { kind: 'pub', pub: parsePub(message.slice(1)) }
          : (JSON.parse(message.slice(1)) as BrokerMessage)
    } catch (error) {
      report(error)
      return
    }
    fanIn?.hear(channel, msg)
  }

  const links: RedisLinks = new RedisLinks({
    url: options.url,
    commandTimeoutMs,
    connectTimeoutMs,
    heartbeatMs,
    prefix,
    onMessage,
    // What was published while the listener was away is lost to pub/sub: heal at once.
    onListenerReconnected: () => {
      void checkPositions(true).catch(report)
    },
    onCommandsReady: (client): Promise<unknown> => scripts.load(client, ALL_SCRIPTS),
    onError: report,
  })
  const scripts: ScriptRunner = new ScriptRunner(() => links.commands)

  const assertStarted = (): void => {
    if (state === 'new') throw new Error('start() must be called first')
    if (state === 'closed') throw new Error('the redis engine is closed')
  }

  /** Runs `fn` once started, turning synchronous throws into rejections. */
  const open = async <T>(fn: () => Promise<T>): Promise<T> => {
    assertStarted()
    return await fn()
  }

  /**
   * Channels whose stream this node saw exist. A publish to any other channel may first hear that
   * the stream is absent and then create it in a second call; so, until one succeeds, a
   * channel's publishes from this node run one after another, keeping the order they were made in
   * (a later one must not land before an earlier one's second call).
   */
  const knownStreams = new Set<string>()
  const publishChains = new Map<string, Promise<unknown>>()
  const rememberStream = (channel: string): void => {
    // A bound: forgetting only costs the next publishes of a channel running in turn.
    if (knownStreams.size >= MAX_KNOWN_STREAMS) knownStreams.clear()
    knownStreams.add(channel)
  }
  const inOrder = <T>(channel: string, attempt: () => Promise<T>): Promise<T> => {
    const previous = publishChains.get(channel)
    if (previous === undefined && knownStreams.has(channel)) return attempt()
    const next = (previous ?? Promise.resolve()).catch(() => undefined).then(attempt)
    publishChains.set(channel, next)
    const forget = (): void => {
      if (publishChains.get(channel) === next) publishChains.delete(channel)
    }
    next.then(forget, forget)
    return next
  }

  /** Reads the stream, creating it (after `onCreate`) when `mayCreate`; undefined when absent. */
  const readStream = async (
    channel: string,
    query: { since?: Position | undefined; limit: number; reverse?: boolean | undefined },
    mayCreate: boolean,
  ): Promise<HistoryPage | undefined> => {
    const keys = channelKeys(prefix, channel)
    const reply = (await scripts.run(
      HISTORY_SCRIPT,
      [keys.meta, keys.history],
      [
        candidate.value,
        mayCreate ? '1' : '0',
        String(streamIdleTtlMs),
        query.since === undefined ? '' : String(Math.floor(query.since.seq)),
        String(Math.max(0, Math.floor(query.limit))),
        query.reverse === true ? '1' : '0',
      ],
    )) as Reply
    if (reply[0] === 'absent') return undefined
    const [, epoch, seq, ...jsons] = reply
    candidate.settle(epoch)
    const pubs = (jsons as string[]).map(parsePub)
    if (query.since === undefined && query.reverse === true) pubs.reverse()
    return { top: { epoch: String(epoch), seq: Number(seq) }, pubs }
  }

  const history = async (
    channel: string,
    query: { since?: Position | undefined; limit: number; reverse?: boolean | undefined },
    onCreate: (() => void) | undefined,
  ): Promise<HistoryPage> => {
    const page = await readStream(channel, query, onCreate === undefined)
    if (page !== undefined) {
      rememberStream(channel)
      return page
    }
    onCreate?.()
    const created = await readStream(channel, query, true)
    if (created === undefined) throw new Error('the stream vanished while it was created')
    rememberStream(channel)
    return created
  }

  /** Reads every subscribed channel's top in one pipeline and lets the fan-in compare. */
  const checkPositions = async (now: boolean): Promise<void> => {
    if (fanIn === undefined || state !== 'started') return
    const channels = [...fanIn.channels]
    if (channels.length === 0) return
    const batch = links.commands.multi()
    for (const channel of channels) batch.hmGet(channelKeys(prefix, channel).meta, ['e', 's'])
    const replies = (await batch.execAsPipeline()) as unknown as (string | null)[][]
    const tops = new Map<string, Position>()
    channels.forEach((channel, i) => {
      const [epoch, seq] = replies[i] ?? []
      if (typeof epoch === 'string' && typeof seq === 'string')
        tops.set(channel, { epoch, seq: Number(seq) })
    })
    fanIn.check(tops, now)
  }

  /** Makes or removes the Redis subscription of `channel` after any earlier change to it. */
  const chain = (channel: string, change: () => Promise<void>): Promise<void> => {
    const previous = subscribing.get(channel) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(change)
    subscribing.set(channel, next)
    void next
      .catch(() => undefined)
      .then(() => {
        if (subscribing.get(channel) === next) subscribing.delete(channel)
      })
    return next
  }

  return {
    broker: {
      subscribe: (channel) =>
        open(async () => {
          if (fanIn === undefined) throw new Error('start() must be called first')
          const fan = fanIn
          await chain(channel, async () => {
            fan.listen(channel)
            const { topic, meta: metaKey } = channelKeys(prefix, channel)
            channelOfTopic.set(topic, channel)
            await links.subscribe(topic)
            const meta = await links.commands.hmGet(metaKey, ['e', 's'])
            const [epoch, seq] = meta
            fan.based(
              channel,
              typeof epoch === 'string' && typeof seq === 'string'
                ? { epoch, seq: Number(seq) }
                : { epoch: '', seq: 0 },
            )
          })
        }),
      unsubscribe: (channel) =>
        open(async () => {
          const fan = fanIn
          await chain(channel, async () => {
            fan?.forget(channel)
            const { topic } = channelKeys(prefix, channel)
            channelOfTopic.delete(topic)
            await links.unsubscribe(topic)
          })
        }),
      publish: (channel, draft, retention) =>
        open(async () => {
          const body = [`"data":${jsonOf(draft.data, 'publication data')}`]
          if (draft.from !== undefined)
            body.push(`"from":${jsonOf(draft.from, 'publication from')}`)
          body.push(`"time":${jsonOf(draft.time, 'publication time')}`)
          const keys = channelKeys(prefix, channel)
          const hasKey = draft.key !== undefined
          const run = (mayCreate: boolean) =>
            scripts.run(
              PUBLISH_SCRIPT,
              [keys.meta, keys.history, hasKey ? keys.dedup(draft.key ?? '') : keys.meta],
              [
                keys.topic,
                candidate.value,
                mayCreate ? '1' : '0',
                String(Math.max(0, Math.floor(retention.historySize))),
                String(Math.max(1, Math.floor(retention.historyTtlMs))),
                String(Math.max(1, Math.floor(retention.dedupWindowMs))),
                hasKey ? '1' : '0',
                body.join(','),
                String(streamIdleTtlMs),
              ],
            ) as Promise<Reply>
          return await inOrder(channel, async () => {
            let reply = await run(draft.onCreate === undefined)
            if (reply[0] === 'absent') {
              draft.onCreate?.()
              reply = await run(true)
            }
            const [outcome, epoch, seq] = reply
            candidate.settle(epoch)
            if (outcome !== 'ok' && outcome !== 'dup') throw new Error('the stream vanished')
            rememberStream(channel)
            return { epoch: String(epoch), seq: Number(seq) }
          })
        }),
      emit: (channel, msg) =>
        open(async () => {
          await links.commands.publish(
            channelKeys(prefix, channel).topic,
            `m${jsonOf(msg, 'message')}`,
          )
        }),
      history: (channel, query) => open(() => history(channel, query, query.onCreate)),
    },

    presence: {
      add: (channel, member, ttlMs) =>
        open(async () => {
          const keys = channelKeys(prefix, channel)
          await scripts.run(
            PRESENCE_ADD_SCRIPT,
            [keys.members, keys.memberExpiry],
            [member.client, jsonOf(member, 'member'), String(Math.max(1, Math.ceil(ttlMs)))],
          )
        }),
      remove: (channel, client) =>
        open(async () => {
          const keys = channelKeys(prefix, channel)
          await scripts.run(PRESENCE_REMOVE_SCRIPT, [keys.members, keys.memberExpiry], [client])
        }),
      list: (channel) =>
        open(async () => {
          const keys = channelKeys(prefix, channel)
          const jsons = (await scripts.run(
            PRESENCE_LIST_SCRIPT,
            [keys.members, keys.memberExpiry],
            [],
          )) as string[]
          return jsons.map((json) => JSON.parse(json) as Member)
        }),
    },

    state: {
      get: (key) =>
        open(async (): Promise<unknown> => {
          const json = await links.commands.get(stateKey(prefix, key))
          return json === null ? undefined : JSON.parse(json)
        }),
      set: (key, value) =>
        open(async () => {
          const json = JSON.stringify(value) as string | undefined
          if (json === undefined)
            throw new Error(`state value for "${key}" is not JSON-serialisable`)
          await links.commands.set(stateKey(prefix, key), json)
        }),
      incr: (key, delta) =>
        open(async () => {
          if (!Number.isFinite(delta)) throw new Error(`incr delta must be a finite number`)
          try {
            const text = (await scripts.run(
              INCR_SCRIPT,
              [stateKey(prefix, key)],
              [String(delta)],
            )) as string
            return Number(text)
          } catch (error) {
            if (error instanceof Error && error.message.includes('not a number'))
              throw new Error(`state value "${key}" is not a number`, { cause: error })
            throw error
          }
        }),
      delete: (key) =>
        open(async () => {
          await links.commands.del(stateKey(prefix, key))
        }),
    },

    start: async (deliver) => {
      if (state !== 'new') throw new Error('start() may be called only once')
      state = 'started'
      fanIn = new FanIn(
        deliver,
        (channel, since) =>
          history(channel, { since: since ?? { epoch: '', seq: 0 }, limit: 10_000 }, undefined),
        report,
      )
      try {
        await links.start()
      } catch (error) {
        state = 'closed'
        links.destroy()
        const reason = error instanceof Error ? error.message : String(error)
        throw new RedisConnectError(where, reason, { cause: error })
      }
      checker = setInterval(() => {
        void checkPositions(false).catch(report)
      }, positionCheckMs)
      checker.unref()
    },

    ping: () => open(() => links.ping()),

    close: async () => {
      if (state === 'closed') return
      const wasStarted = state === 'started'
      state = 'closed'
      clearInterval(checker)
      fanIn = undefined
      if (wasStarted) await links.close()
    },
  }
}
