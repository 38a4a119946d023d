import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { HubbubError, type Client, type Subscription } from '../../src/client/index.ts'
import { useChannel } from '../src/use-client.ts'
import { followBoard, type BoardStatus } from './follow-board.ts'
import { addPending, applyEvent, dropPending, emptyScene, placeOwn, type Scene } from './scene.ts'
import type { Stroke } from './stroke.ts'

export interface Board {
  /** The board's channel, once subscribed. */
  sub: Subscription | undefined
  scene: Scene
  status: BoardStatus
  /** Shows our stroke at once and sends it; offline, it goes out once reconnected. */
  send: (stroke: Stroke) => void
  /** Clears the board for everyone; rejects when the server did not. */
  clear: () => Promise<void>
  /** Why the last stroke was refused, if one was. */
  error: string | undefined
}

const seqOf = (result: unknown): number | undefined =>
  typeof result === 'object' && result !== null && 'seq' in result && typeof result.seq === 'number'
    ? result.seq
    : undefined

/**
 * The board `name` (channel `board:<name>`, with presence) as this page sees it, kept by
 * {@link followBoard}, and drawing on it: our strokes go out through rpc `board.stroke` and are
 * placed by the reply's seq (the server does not send our own strokes back to us).
 */
export const useBoard = (client: Client, name: string): Board => {
  // A ref as well as state: replies and history pages must change the newest scene.
  const latest = useRef<Scene>(emptyScene)
  const [scene, setScene] = useState<Scene>(emptyScene)
  const [status, setStatus] = useState<BoardStatus>('loading')
  const [error, setError] = useState<string>()
  const update = useCallback((change: (current: Scene) => Scene) => {
    latest.current = change(latest.current)
    setScene(latest.current)
  }, [])

  /** Ids of our strokes whose rpc is out on this client. */
  const sending = useRef(new Set<string>())
  useEffect(
    () => () => {
      // A new client (a new name) sends every pending stroke again once subscribed.
      sending.current.clear()
    },
    [client],
  )
  const sendStroke = useCallback(
    (stroke: Stroke) => {
      if (sending.current.has(stroke.id)) return
      sending.current.add(stroke.id)
      const { id, color, width, points } = stroke
      client.rpc('board.stroke', { name, stroke: { id, color, width, points } }).then(
        (result) => {
          sending.current.delete(id)
          const seq = seqOf(result)
          if (seq !== undefined) update((current) => placeOwn(current, id, seq))
          setError(undefined)
        },
        (failure: unknown) => {
          sending.current.delete(id)
          const code = failure instanceof HubbubError ? failure.code : 'internal'
          // Sent again (under the same id, so it is drawn once) as soon as we are subscribed.
          if (code === 'disconnected' || code === 'closed') return
          if (code === 'timeout') {
            sendStroke(stroke)
            return
          }
          update((current) => dropPending(current, id))
          setError(failure instanceof Error ? failure.message : 'the server refused it')
        },
      )
    },
    [client, name, update],
  )

  const sub = useChannel(client, `board:${name}`, { presence: true }, (opened) => {
    const unfollow = followBoard(opened, { update, status: setStatus })
    const off = opened.on('subscribed', () => {
      for (const stroke of latest.current.pending) sendStroke(stroke)
    })
    return () => {
      unfollow()
      off()
    }
  })

  const send = useCallback(
    (stroke: Stroke) => {
      update((current) => addPending(current, stroke))
      sendStroke(stroke)
    },
    [sendStroke, update],
  )

  const clear = useCallback(async () => {
    const seq = seqOf(await client.rpc('board.clear', { name }))
    if (seq !== undefined) update((current) => applyEvent(current, seq, { kind: 'clear' }))
  }, [client, name, update])

  return { sub, scene, status, send, clear, error }
}
