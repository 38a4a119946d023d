import { HubbubError, type Pub, type Subscription } from '../../src/client/index.ts'
import { applyEvent, restartScene, type Scene } from './scene.ts'
import { decodeBoardEvent } from './stroke.ts'

/** Publications asked for per history page while replaying. */
const PAGE_SIZE = 200

/** What the channel keeps: the fallback when the replay since the clear is no longer possible. */
const HISTORY_SIZE = 5_000

export type BoardStatus = 'loading' | 'ready' | 'failed'

interface Handlers {
  /** Changes the scene (in the order publications were received). */
  update: (change: (scene: Scene) => Scene) => void
  status: (status: BoardStatus) => void
}

const clearedAtOf = (state: unknown): number => {
  if (typeof state !== 'object' || state === null) return 0
  const { clearedAtSeq } = state as Record<string, unknown>
  return typeof clearedAtSeq === 'number' && clearedAtSeq >= 0 ? clearedAtSeq : 0
}

const withPubs = (scene: Scene, pubs: readonly Pub[]): Scene => {
  let next = scene
  for (const pub of pubs) {
    const event = decodeBoardEvent(pub.data)
    if (event !== undefined) next = applyEvent(next, pub.seq, event)
  }
  return next
}

/**
 * Keeps a board's scene in step with its channel, as docs/apps.md says a late joiner does: on
 * every subscribe that did not recover what was missed (the first one, or after a reset), start
 * again from the subscribe `state`'s `clearedAtSeq` and replay history page by page up to the
 * subscribe's seq. Live publications apply meanwhile; the scene drops what comes twice. After
 * a recovered resubscribe, the missed publications simply arrive as messages. Returns what stops it.
 */
export const followBoard = (sub: Subscription, { update, status }: Handlers): (() => void) => {
  let isFollowing = true
  /** Counts replays, so an outdated one (a newer subscribe started another) stops. */
  let replays = 0
  let subscribed: { epoch: string; seq: number; isRecovered: boolean } | undefined

  const replay = async (replayId: number, epoch: string, fromSeq: number, toSeq: number) => {
    const isCurrent = (): boolean => isFollowing && replayId === replays
    try {
      let since = fromSeq
      while (since < toSeq) {
        const { pubs } = await sub.history({ since: { epoch, seq: since }, limit: PAGE_SIZE })
        if (!isCurrent()) return
        const last = pubs[pubs.length - 1]
        if (last === undefined) break
        update((scene) => withPubs(scene, pubs))
        since = last.seq
      }
    } catch (error) {
      if (!(error instanceof HubbubError) || error.code !== 'unrecoverable') throw error
      // Too much since the clear, or too long ago: what is kept is all there is.
      const { pubs } = await sub.history({ limit: HISTORY_SIZE })
      if (!isCurrent()) return
      update((scene) => withPubs(scene, pubs))
    }
    if (isCurrent()) status('ready')
  }

  const offs = [
    sub.on('subscribed', ({ epoch, seq, recovered, wasRecovering }) => {
      subscribed = { epoch, seq, isRecovered: wasRecovering && recovered }
    }),
    sub.on('state', (state) => {
      if (subscribed === undefined || subscribed.isRecovered) return
      const { epoch, seq } = subscribed
      const clearedAtSeq = clearedAtOf(state)
      const replayId = ++replays
      update((scene) => restartScene(scene, clearedAtSeq))
      status('loading')
      replay(replayId, epoch, clearedAtSeq, seq).catch((error: unknown) => {
        if (replayId !== replays || !isFollowing) return
        // A dropped link replays again once resubscribed; anything else, the person should know.
        if (error instanceof HubbubError && error.code === 'disconnected') return
        console.error('could not load the board', error)
        status('failed')
      })
    }),
    sub.on('message', (pub) => {
      update((scene) => withPubs(scene, [pub]))
    }),
  ]
  return () => {
    isFollowing = false
    for (const off of offs) off()
  }
}
