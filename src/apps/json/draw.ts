import { randomUUID } from 'node:crypto'
import type { Member, Pub } from '../../protocol/index.js'
import type { HubApi, TextEndpoint } from '../../server/index.js'
import type { BoardApp } from '../board/index.js'
import { decodeStroke, type Stroke } from '../board/stroke.js'
import type { SessionRegistry } from '../text/session-registry.js'
import { strokeMessages, toBoardPoint, type CanvasSize } from './board-view.js'
import {
  decodeDrawMessage,
  decodeDrawnMessage,
  type DrawMessage,
  type DrawnMessage,
} from './draw-messages.js'
import { openJsonPeer } from './json-peer.js'
import { createLastRender } from './last-render.js'
import { openJsonSession } from './json-session.js'
import { plainCaller } from './plain-caller.js'

export interface DrawEndpointParts {
  hub: HubApi
  sessions: SessionRegistry
  board: BoardApp
  /** The board plain strokes go onto: the board app's `board:<boardName>`. */
  boardName: string
  /** The channel live drawing travels through between `/draw` clients (as server signals). */
  relayChannel: string
  canvas: CanvasSize
  /** Largest |x| and |y| a client may send, in pixels. */
  maxCoordinate: number
  /** Points per board stroke; a longer line goes onto the board as several strokes. */
  maxPointsPerStroke: number
  /** Colour and width (fraction of the board's width) of plain strokes on the board. */
  strokeColor: string
  strokeWidth: number
}

/** The `info` of `/draw` sessions: their strokes came live over the relay, not from the board. */
const DRAW_INFO = { via: '/draw' }

const isFromDraw = (from: Member | undefined): boolean => {
  const info: unknown = from?.info
  return typeof info === 'object' && info !== null && (info as { via?: unknown }).via === '/draw'
}

/** Publications asked for per history page while replaying the board. */
const REPLAY_PAGE_SIZE = 200

/** Runs tasks one after another; each call's promise settles with its own task. */
const createInOrder = (): (<T>(task: () => Promise<T>) => Promise<T>) => {
  let tail: Promise<unknown> = Promise.resolve()
  return (task) => {
    const done = tail.then(task)
    // The next task waits for this one to settle; its outcome goes to whoever awaits `done`.
    tail = done.then(
      () => undefined,
      () => undefined,
    )
    return done
  }
}

/**
 * `/draw`: JSON drawing for plain clients, bridged to the whiteboard app's board `boardName`.
 * `draw_start`, `draw_move` (with the sender's previous point added as `fromX`/`fromY`),
 * `draw_end` and `clear` reach every other `/draw` client on every node at once (server signals
 * of `relayChannel`); each finished line (at `draw_end`, or every `maxPointsPerStroke` points)
 * goes onto the board through `board.stroke` and a `clear` through `board.clear`, so web clients
 * see them. Web strokes and clears come back as the same messages, and a client that connects gets
 * the board since its last clear replayed as them first. Pixels map onto the board as `canvas`.
 */
export const createDrawEndpoint = (parts: DrawEndpointParts): TextEndpoint => {
  const { hub, sessions, board, canvas, maxCoordinate } = parts
  const boardChannel = `board:${parts.boardName}`
  const relayed = createLastRender((data: { data: unknown }): string | undefined => {
    const message = decodeDrawnMessage(data.data, maxCoordinate)
    return message === undefined ? undefined : JSON.stringify(message)
  })
  const toStroke = (data: unknown): Stroke | undefined => {
    try {
      return decodeStroke(data, { maxPoints: Number.MAX_SAFE_INTEGER })
    } catch {
      // Not a stroke (a clear, or data of a newer app): nothing to draw.
      return undefined
    }
  }
  const drawnOf = (pub: Pub): string[] => {
    const stroke = toStroke(pub.data)
    if (stroke !== undefined)
      return strokeMessages(stroke, canvas).map((message) => JSON.stringify(message))
    const { kind } = (pub.data ?? {}) as { kind?: unknown }
    return kind === 'clear' ? [JSON.stringify({ type: 'clear' } satisfies DrawnMessage)] : []
  }
  const live = createLastRender((pub: Pub): string[] =>
    isFromDraw(pub.from) && toStroke(pub.data) !== undefined ? [] : drawnOf(pub),
  )

  return (connection) => {
    let pen: { x: number; y: number } | undefined
    let stroke: { id: string; points: [number, number][] } | undefined
    // Writes (signals, strokes, clears) in message order; replies and board events in stream order.
    const writes = createInOrder()
    const reads = createInOrder()

    const flushStroke = (): Promise<unknown> | undefined => {
      if (stroke === undefined || seat === undefined) return undefined
      const { id, points } = stroke
      const caller = plainCaller(seat.member, connection.remoteAddress)
      const finished = { id, color: parts.strokeColor, width: parts.strokeWidth, points }
      return writes(() => board.stroke(parts.boardName, finished, caller))
    }
    const relay = (message: DrawnMessage): Promise<unknown> | undefined => {
      const session = seat?.session
      if (session === undefined) return undefined
      return writes(() => session.signal(parts.relayChannel, message))
    }
    const handle = (message: DrawMessage): Promise<unknown> | undefined => {
      switch (message.type) {
        case 'draw_start': {
          const { x, y } = message
          pen = { x, y }
          stroke = { id: `plain-${randomUUID()}`, points: [toBoardPoint(x, y, canvas)] }
          return relay(message)
        }
        case 'draw_move': {
          const { x, y } = message
          const from = pen ?? { x, y }
          pen = { x, y }
          const point = toBoardPoint(x, y, canvas)
          stroke ??= { id: `plain-${randomUUID()}`, points: [point] }
          stroke.points.push(point)
          let flushed: Promise<unknown> | undefined
          if (stroke.points.length >= parts.maxPointsPerStroke) {
            flushed = flushStroke()
            stroke = { id: `plain-${randomUUID()}`, points: [point] }
          }
          const relayed = relay({ type: 'draw_move', x, y, fromX: from.x, fromY: from.y })
          return flushed === undefined ? relayed : Promise.all([flushed, relayed])
        }
        case 'draw_end': {
          const flushed =
            stroke !== undefined && stroke.points.length > 0 ? flushStroke() : undefined
          pen = undefined
          stroke = undefined
          const relayed = relay(message)
          return flushed === undefined ? relayed : Promise.all([flushed, relayed])
        }
        case 'clear': {
          if (seat === undefined) return undefined
          const caller = plainCaller(seat.member, connection.remoteAddress)
          // Through the board only: its clear reaches plain and web clients alike.
          return writes(() => board.clear(parts.boardName, caller))
        }
      }
    }

    const peer = openJsonPeer(connection, hub.log, async (raw) => {
      await handle(decodeDrawMessage(raw, maxCoordinate))
    })
    const seat = openJsonSession(
      { hub, sessions, connection, peer },
      { name: 'draw client', info: DRAW_INFO },
    )
    if (seat === undefined) return
    const sendAll = (messages: readonly string[]): void => {
      for (const json of messages) peer.sendRaw(json)
    }
    const replay = async (epoch: string, fromSeq: number, toSeq: number): Promise<void> => {
      let since = fromSeq
      while (since < toSeq) {
        const { pubs } = await hub.history(boardChannel, {
          since: { epoch, seq: since },
          limit: REPLAY_PAGE_SIZE,
        })
        const last = pubs[pubs.length - 1]
        if (last === undefined) return
        for (const pub of pubs) if (pub.seq <= toSeq) sendAll(drawnOf(pub))
        since = last.seq
      }
    }
    let hasReplayed = false
    const fail = (error: unknown): void => {
      hub.log.warn({ err: error, path: connection.path }, 'replaying the board failed')
      peer.error('the board could not be replayed; reconnect to try again')
    }
    const isRelaying = seat.follow(parts.relayChannel, {
      onEvent(event) {
        if (event.type !== 'signal') return
        const json = relayed(event)
        if (json !== undefined) peer.sendRaw(json)
      },
    })
    // The board after the relay: a client that got the replay also gets every live line after it.
    void isRelaying.then((isSubscribed) => {
      if (!isSubscribed || !seat.isOpen()) return
      void seat.follow(boardChannel, {
        onSubscribed(result) {
          if (hasReplayed) return
          hasReplayed = true
          const { clearedAtSeq } = (result.state ?? {}) as { clearedAtSeq?: unknown }
          const from = typeof clearedAtSeq === 'number' ? clearedAtSeq : 0
          reads(() => replay(result.epoch, from, result.seq)).catch(fail)
        },
        onEvent(event) {
          if (event.type !== 'pub') return
          const messages = live(event.pub)
          if (messages.length > 0)
            reads(() => {
              sendAll(messages)
              return Promise.resolve()
            }).catch((error: unknown) => {
              hub.log.warn({ err: error, path: connection.path }, 'a board event failed')
            })
        },
      })
    })
  }
}
