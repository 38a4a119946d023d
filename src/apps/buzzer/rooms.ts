import { randomUUID } from 'node:crypto'
import { ErrorCode, type HistoryResult } from '../../protocol/index.js'
import { ReplyError, type ChannelOptions, type HubApi } from '../../server/index.js'
import { createBackground, type Background } from '../shared/background.js'
import { createKeyedQueue } from '../shared/keyed-queue.js'
import { nameOfChannel } from '../shared/params.js'
import {
  applyEvent,
  closesAtMs,
  decodeRoomEvent,
  initialRoom,
  isLiveAt,
  snapshotAt,
  type BuzzerSnapshot,
  type EventBuzzOutcome,
  type EventOutcome,
  type HostAction,
  type Player,
  type RoomEvent,
  type RoomLimits,
  type RoomState,
} from './room-log.js'

export type { BuzzerResult, BuzzerSnapshot, HostAction, Player } from './room-log.js'

/** Options of {@link createBuzzerRooms}. Every field is optional. */
export interface BuzzerRoomsOptions {
  /** How long a round without a host stays open after its first buzz. @default 10_000 */
  autoCloseMs?: number
  /** Largest round-trip time credited; larger reported ones are clamped to it. @default 1_000 */
  maxRttMs?: number
  /** A room goes back to host-less play this long after its host's last open, close or reset. @default 900_000 (15 min) */
  hostIdleMs?: number
  /**
   * Rooms this node keeps folded in memory; past this the least recently used room that is not
   * live (hosted, its host active within `hostIdleMs`) is dropped from memory (its log stays in
   * the engine, and it is read back when used again), and when every room is live a new one is
   * refused (`quota`). @default 1_000
   */
  maxRooms?: number
  /** Players one round accepts; later buzzes get `full`. @default 200 */
  maxPlayersPerRound?: number
  /**
   * Players of one source (a plain client's IP address, a protocol client's user) one round
   * accepts; later ones get `source-full`, so one attacker cannot fill a round. @default 4
   */
  maxPlayersPerSource?: number
  /**
   * Events (buzzes and host actions) a room's log keeps in the engine. A node reading a room it
   * has not followed folds what is kept, so this must cover a round: above the players per round
   * plus the host actions that start it. @default 1_000
   */
  logSize?: number
  /**
   * The clock buzzes are timed with, in ms since the Unix epoch: the nodes of a cluster compare
   * their buzzes by it, so it must be their shared wall clock; tests pass a fake one.
   * @default Date.now
   */
  nowMs?: () => number
}

export const buzzerRoomsDefaults: Required<BuzzerRoomsOptions> = {
  autoCloseMs: 10_000,
  maxRttMs: 1_000,
  hostIdleMs: 900_000,
  maxRooms: 1_000,
  maxPlayersPerRound: 200,
  maxPlayersPerSource: 4,
  logSize: 1_000,
  nowMs: () => Date.now(),
}

/** What became of a buzz: the fold's outcome, or a new room refused. */
export type RoomBuzzOutcome =
  | EventBuzzOutcome
  /** A new room was needed, and every one of this node's `maxRooms` rooms is live. */
  | { kind: 'quota' }

/** What became of a host action: done, or refused because another player hosts the room. */
export type HostOutcome =
  { kind: 'done'; snapshot: BuzzerSnapshot } | { kind: 'not-host' } | { kind: 'quota' }

/**
 * The buzzer rooms, shared by the `buzzer:<room>` rpc methods and the plain `/buzzer` endpoint,
 * and by every node of a cluster.
 *
 * A room's authority is its log: the channel `sys:buzzer:<room>` (server only), where every buzz
 * and host action is a publication. The broker gives a channel's publications one seq order on
 * every node, and room-log.ts folds that order into the room's state with a pure function, so
 * every node computes the same round, the same ranking and the same outcome of every buzz, also
 * for buzzes that reach two nodes at once: the winner is decided by the log, not by whichever
 * node answers first. A node answers a buzz once it has folded the log up to the buzz's own
 * publication. It keeps the rooms it uses folded in memory and catches up from history before
 * each use.
 *
 * After every change this node made, it publishes the room's {@link BuzzerSnapshot} to
 * `buzzer:<room>` and, once that publication is stored, reads the log again and publishes again if
 * it moved meanwhile; so the channel's last publication is always folded from the whole log,
 * whichever node published last. A room without a host plays as round.ts describes (a buzz opens
 * a round that closes `autoCloseMs` later, which every node that folded the round publishes); a
 * host's `open` makes the room hosted until `hostIdleMs` pass without a host action.
 */
export interface BuzzerRooms {
  /**
   * Registers the rooms' channels with `hub` (once; again with the same hub is a no-op) and
   * publishes through it. Every other method rejects before this.
   */
  attach(hub: HubApi): void
  /** Records a buzz; `rttMs` (>= 0, finite) is clamped to `maxRttMs`. */
  buzz(room: string, player: Player, rttMs?: number): Promise<RoomBuzzOutcome>
  /**
   * A host's action: `open` a fresh round (until `close`), `close` it, or `reset` to idle. The
   * first player (by `hostKey`) to act hosts the room; until the host has been idle for
   * `hostIdleMs`, the actions of anyone else are refused with `not-host`.
   */
  host(room: string, action: HostAction, hostKey: string): Promise<HostOutcome>
  snapshot(room: string): Promise<BuzzerSnapshot>
  /** Cancels the close timers and waits for the snapshots being published. */
  dispose(): Promise<void>
}

const PREFIX = 'buzzer:'
const LOG_PREFIX = 'sys:buzzer:'

/** One room as this node has folded it, up to `seq` of its log's `epoch`. */
interface View {
  epoch: string
  seq: number
  state: RoomState
  timer: NodeJS.Timeout | undefined
}

export const createBuzzerRooms = (options: BuzzerRoomsOptions = {}): BuzzerRooms => {
  const o: Required<BuzzerRoomsOptions> = { ...buzzerRoomsDefaults, ...definedOnly(options) }
  const limits: RoomLimits = o
  /** Most recently used last. */
  const views = new Map<string, View>()
  const queue = createKeyedQueue()
  /** Events this node published and waits the outcome of, by event id. */
  const awaited = new Map<string, EventOutcome | undefined>()
  const dirty = new Set<string>()
  const publishing = new Set<string>()
  let attached: { hub: HubApi; background: Background } | undefined
  let isDisposed = false

  const using = (): { hub: HubApi; background: Background } => {
    if (attached === undefined) throw new Error('buzzer rooms are used before attach(hub)')
    return attached
  }

  const arm = (room: string, view: View): void => {
    clearTimeout(view.timer)
    view.timer = undefined
    const closesAt = closesAtMs(view.state)
    const nowMs = o.nowMs()
    if (isDisposed || closesAt === undefined || closesAt <= nowMs) return
    // A round that closes by itself: its end is a change to publish, whoever opened it.
    view.timer = setTimeout(() => {
      view.timer = undefined
      changed(room)
    }, closesAt - nowMs)
    view.timer.unref()
  }

  const fold = (room: string, view: View, page: HistoryResult): void => {
    for (const pub of page.pubs) {
      const event = decodeRoomEvent(pub.data)
      if (event !== undefined) {
        const result = applyEvent(view.state, event, `${page.epoch}-${pub.seq}`, limits)
        view.state = result.state
        if (awaited.has(event.id)) awaited.set(event.id, result.outcome)
      } else
        using().hub.log.warn(
          { room, seq: pub.seq },
          'ignored a buzzer log entry of an unknown shape',
        )
      view.seq = pub.seq
    }
  }

  /** Reads the room's log from scratch: what the engine keeps of it. */
  const rebuild = async (room: string): Promise<View> => {
    const page = await using().hub.history(`${LOG_PREFIX}${room}`, { limit: o.logSize })
    const view: View = {
      epoch: page.epoch,
      seq: 0,
      state: initialRoom(limits, `${page.epoch}-0`),
      timer: undefined,
    }
    fold(room, view, page)
    view.seq = page.seq
    return view
  }

  /** Brings `view` up to the log's end; a lost stream or a gap beyond history starts over. */
  const catchUp = async (room: string, view: View): Promise<View> => {
    const channel = `${LOG_PREFIX}${room}`
    for (;;) {
      let page: HistoryResult
      try {
        page = await using().hub.history(channel, {
          since: { epoch: view.epoch, seq: view.seq },
          limit: o.logSize,
        })
      } catch (error) {
        if (error instanceof ReplyError && error.code === ErrorCode.Unrecoverable)
          return await rebuild(room)
        throw error
      }
      fold(room, view, page)
      if (page.pubs.length === 0 || view.seq >= page.seq) return view
    }
  }

  /**
   * The room folded up to the end of its log, kept in memory unless `mayRefuse` and every room
   * kept is live (then undefined). Without `mayRefuse` a room that finds no place is read but
   * not kept.
   */
  const load = (room: string, mayRefuse: boolean): Promise<View | undefined> =>
    queue.run(room, async () => {
      const known = views.get(room)
      if (known !== undefined) {
        views.delete(room)
        views.set(room, known)
      } else if (views.size >= o.maxRooms) {
        const nowMs = o.nowMs()
        const idle = [...views].find(([, other]) => !isLiveAt(other.state, nowMs, limits))
        if (idle === undefined) {
          if (mayRefuse) return undefined
          return await rebuild(room)
        }
        clearTimeout(idle[1].timer)
        views.delete(idle[0])
      }
      const view = await (known === undefined ? rebuild(room) : catchUp(room, known))
      if (known !== undefined && view !== known) clearTimeout(known.timer)
      views.set(room, view)
      arm(room, view)
      return view
    })

  const publishSnapshots = async (room: string, hub: HubApi): Promise<void> => {
    try {
      while (dirty.delete(room)) {
        const view = await load(room, false)
        if (view === undefined) return
        const { seq } = view
        await hub.publish(`${PREFIX}${room}`, snapshotAt(view.state, o.nowMs(), limits))
        // Another node may have changed the room before this publication was stored.
        const after = await load(room, false)
        if (after !== undefined && after.seq !== seq) dirty.add(room)
      }
    } finally {
      publishing.delete(room)
    }
  }

  const changed = (room: string): void => {
    if (isDisposed) return
    const { hub, background } = using()
    dirty.add(room)
    if (publishing.has(room)) return
    publishing.add(room)
    background.run(`publishing buzzer room "${room}"`, publishSnapshots(room, hub))
  }

  /** Appends `event` to the room's log and resolves with its outcome as the fold decided it. */
  const append = async (room: string, event: RoomEvent): Promise<EventOutcome> => {
    awaited.set(event.id, undefined)
    try {
      const { seq } = await using().hub.publish(`${LOG_PREFIX}${room}`, event)
      const view = await load(room, false)
      const outcome = awaited.get(event.id)
      if (outcome === undefined)
        throw new Error(
          `buzzer room "${room}": event at seq ${seq} was not folded (log at ${view?.seq})`,
        )
      return outcome
    } finally {
      awaited.delete(event.id)
    }
  }

  const snapshot = async (room: string): Promise<BuzzerSnapshot> => {
    const view = await load(room, false)
    if (view === undefined) throw new Error(`buzzer room "${room}" could not be read`)
    return snapshotAt(view.state, o.nowMs(), limits)
  }

  return {
    attach(hub) {
      if (attached?.hub === hub) return
      // Another hub: the apps of a server that stopped are being set up on a new one (the same
      // `bundledApps()` given to each start). What was read from the old one's engine goes.
      for (const view of views.values()) clearTimeout(view.timer)
      views.clear()
      isDisposed = false
      attached = { hub, background: createBackground(hub.log) }
      hub.channel(`${PREFIX}*`, {
        historySize: 1,
        presence: true,
        joinLeave: true,
        access: { publish: 'server' },
        backpressure: 'latest',
        state: (channel): Promise<BuzzerSnapshot> => snapshot(nameOfChannel(channel, PREFIX)),
      } satisfies ChannelOptions)
      hub.channel(`${LOG_PREFIX}*`, {
        historySize: o.logSize,
        // Past this a room is idle: its host has lapsed and its last round has long closed.
        historyTtlMs: 2 * Math.max(o.hostIdleMs, o.autoCloseMs),
        presence: false,
        joinLeave: false,
        access: { subscribe: 'server', publish: 'server' },
      } satisfies ChannelOptions)
    },
    async buzz(room, player, rttMs = 0) {
      const view = await load(room, true)
      if (view === undefined) return { kind: 'quota' }
      const event: RoomEvent = {
        kind: 'buzz',
        id: randomUUID(),
        atMs: o.nowMs(),
        player,
        rttMs: Math.min(rttMs, o.maxRttMs),
      }
      // What the log would say if nothing came before it: a refusal needs no entry.
      const dry = applyEvent(view.state, event, 'dry', limits).outcome
      if (dry.kind !== 'ranked') return dry as EventBuzzOutcome
      const outcome = (await append(room, event)) as EventBuzzOutcome
      if (outcome.kind === 'ranked') changed(room)
      return outcome
    },
    async host(room, action, hostKey) {
      const view = await load(room, true)
      if (view === undefined) return { kind: 'quota' }
      const event: RoomEvent = { kind: 'host', id: randomUUID(), atMs: o.nowMs(), action, hostKey }
      if (applyEvent(view.state, event, 'dry', limits).outcome.kind === 'not-host')
        return { kind: 'not-host' }
      const outcome = await append(room, event)
      if (outcome.kind !== 'done') return { kind: 'not-host' }
      changed(room)
      const after = await load(room, false)
      if (after === undefined) throw new Error(`buzzer room "${room}" vanished`)
      return { kind: 'done', snapshot: snapshotAt(after.state, o.nowMs(), limits) }
    },
    snapshot,
    async dispose() {
      isDisposed = true
      for (const view of views.values()) {
        clearTimeout(view.timer)
        view.timer = undefined
      }
      await queue.idle()
      await attached?.background.idle()
    },
  }
}

const definedOnly = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>
