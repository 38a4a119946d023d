import type { App, ChannelOptions, HubApi, RpcCaller } from '../../server/index.js'
import { createKeyedQueue } from '../shared/keyed-queue.js'
import { nameOfChannel, readName, readParams } from '../shared/params.js'
import { createUserRateLimit } from '../shared/user-rate-limit.js'
import { decodeStroke, type Stroke } from './stroke.js'

export type { Stroke } from './stroke.js'

/** Options of {@link createBoardApp}. Every field is optional. */
export interface BoardAppOptions {
  /** Publications a board keeps: a late joiner replays every stroke since the last clear within it. @default 5_000 */
  historySize?: number
  /** How long a stroke stays in history. @default 86_400_000 (24 h) */
  historyTtlMs?: number
  /** Points one stroke may have. @default 1_000 */
  maxPointsPerStroke?: number
  /** Sustained `board.clear` calls per second per user (clients; the server is not limited). @default 0.2 */
  clearsPerSecond?: number
  /** How many `board.clear` calls a user may make at once. @default 3 */
  clearBurst?: number
}

export const boardDefaults: Required<BoardAppOptions> = {
  historySize: 5_000,
  historyTtlMs: 86_400_000,
  maxPointsPerStroke: 1_000,
  clearsPerSecond: 0.2,
  clearBurst: 3,
}

/** What `board:<name>` publications carry: a {@link Stroke} or a clear. */
export type BoardEvent = Stroke | { kind: 'clear' }

/** The subscribe `state` of `board:<name>`: replay history after this seq (0: from the start). */
export interface BoardState {
  clearedAtSeq: number
}

/** A clear as kept in State under `board:<name>:clear`. */
interface ClearMark {
  epoch: string
  seq: number
}

/** The board app, plus a way for other apps (the plain `/draw` endpoint) to draw and clear. */
export interface BoardApp extends App {
  /**
   * Adds `stroke` to board `name` as `board.stroke { name, stroke }` from `caller` would (it is
   * validated and published as the caller) and resolves with its seq; rejects with the rpc's
   * `ReplyError`s, and before `setup`.
   */
  stroke(name: string, stroke: unknown, caller: RpcCaller): Promise<{ seq: number }>
  /** Clears board `name` as `board.clear { name }` from `caller` would (its rate limit applies). */
  clear(name: string, caller: RpcCaller): Promise<{ seq: number }>
}

type Rpc = (params: unknown, caller: RpcCaller) => Promise<{ seq: number }>

const PREFIX = 'board:'
const markKey = (name: string): string => `board:${name}:clear`

const readMark = async (hub: HubApi, name: string): Promise<ClearMark | undefined> => {
  const value = await hub.state.get(markKey(name))
  if (typeof value !== 'object' || value === null) return undefined
  const { epoch, seq } = value as Record<string, unknown>
  return typeof epoch === 'string' && typeof seq === 'number' ? { epoch, seq } : undefined
}

/**
 * The whiteboard (DESIGN.md §8): boards are channels `board:<name>`. Strokes go through rpc
 * `board.stroke { name, stroke }`, which validates them and publishes them as the caller; cursors
 * are client signals `{ x, y }`; `board.clear { name }` publishes `{ kind: 'clear' }` and keeps its
 * seq in State, and the subscribe `state` `{ clearedAtSeq }` tells a late joiner where to replay
 * history from. Clients may only signal well-formed cursors directly (a client `publish` is
 * `forbidden`); cursors to a slow socket keep only the newest per sender.
 */
const isCursor = (data: unknown): boolean => {
  if (typeof data !== 'object' || data === null) return false
  const { x, y } = data as Record<string, unknown>
  return typeof x === 'number' && typeof y === 'number' && x >= 0 && x <= 1 && y >= 0 && y <= 1
}

export const createBoardApp = (options: BoardAppOptions = {}): BoardApp => {
  const historySize = options.historySize ?? boardDefaults.historySize
  const historyTtlMs = options.historyTtlMs ?? boardDefaults.historyTtlMs
  const maxPoints = options.maxPointsPerStroke ?? boardDefaults.maxPointsPerStroke
  const queue = createKeyedQueue()
  const clears = createUserRateLimit(
    options.clearsPerSecond ?? boardDefaults.clearsPerSecond,
    options.clearBurst ?? boardDefaults.clearBurst,
  )
  let rpcs: { stroke: Rpc; clear: Rpc } | undefined
  const notSetUp = (): Promise<never> =>
    Promise.reject(new Error('the board app is not set up (pass it to createServer)'))
  return {
    name: 'board',
    stroke(name, stroke, caller) {
      return rpcs === undefined ? notSetUp() : rpcs.stroke({ name, stroke }, caller)
    },
    clear(name, caller) {
      return rpcs === undefined ? notSetUp() : rpcs.clear({ name }, caller)
    },
    setup(hub) {
      hub.channel(`${PREFIX}*`, {
        historySize,
        historyTtlMs,
        presence: true,
        joinLeave: true,
        // Clients write only cursor signals; strokes go through board.stroke, which validates.
        canWrite: (_member, _channel, write) => write.kind === 'signal' && isCursor(write.data),
        backpressure: 'recover',
        signalBackpressure: 'latest',
        state: async (channel): Promise<BoardState> => {
          const name = nameOfChannel(channel, PREFIX)
          const [mark, top] = await Promise.all([
            readMark(hub, name),
            hub.history(channel, { limit: 0 }),
          ])
          // A mark from an earlier epoch means the stream was lost since: replay all of it.
          return { clearedAtSeq: mark !== undefined && mark.epoch === top.epoch ? mark.seq : 0 }
        },
      } satisfies ChannelOptions)

      const stroke: Rpc = async (raw, { member }) => {
        const params = readParams(raw)
        const name = readName(params, 'name')
        const stroke = decodeStroke(params.stroke, { maxPoints })
        const { seq } = await hub.publish(`${PREFIX}${name}`, stroke, { from: member })
        return { seq }
      }
      const clear: Rpc = async (raw, caller) => {
        const name = readName(readParams(raw), 'name')
        const { member } = caller
        if (!caller.isServer) clears.take(member.user, 'board clears')
        // One clear at a time per board, so the kept mark is the newest clear's.
        return await queue.run(name, async () => {
          const position = await hub.publish(
            `${PREFIX}${name}`,
            { kind: 'clear' },
            { from: member },
          )
          await hub.state.set(markKey(name), position satisfies ClearMark)
          return { seq: position.seq }
        })
      }
      rpcs = { stroke, clear }
      hub.rpc('board.stroke', stroke)
      hub.rpc('board.clear', clear)
    },
    async close() {
      await queue.idle()
    },
  }
}
