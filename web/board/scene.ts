import type { BoardEvent, Stroke } from './stroke.ts'

/** A stroke at its place in the board's history. */
export interface Placed {
  seq: number
  stroke: Stroke
}

/**
 * What the board shows: the strokes since the last clear in seq order (the order every page
 * draws them in), then our own strokes whose seq the server has not told yet. Pure data: every
 * change returns a new scene, and a painter compares scenes to draw only what changed.
 */
export interface Scene {
  placed: readonly Placed[]
  /** Ours, drawn and sent, in drawing order; each moves into `placed` once its seq is known. */
  pending: readonly Stroke[]
  /** Strokes at or before this seq were cleared (0: never). */
  clearedAtSeq: number
}

export const emptyScene: Scene = { placed: [], pending: [], clearedAtSeq: 0 }

/** Starting again from a subscribe `state`: the placed strokes come again from history. */
export const restartScene = (scene: Scene, clearedAtSeq: number): Scene => ({
  placed: [],
  pending: scene.pending,
  clearedAtSeq,
})

const place = (placed: readonly Placed[], item: Placed): readonly Placed[] => {
  // Live publications come in order, so the place is nearly always the end.
  let index = placed.length
  while (index > 0 && (placed[index - 1]?.seq ?? 0) > item.seq) index -= 1
  return [...placed.slice(0, index), item, ...placed.slice(index)]
}

/**
 * `scene` with the publication `seq` applied. Publications may come twice (history replay and
 * live ones overlap) and out of order: a seq already there, a stroke whose id is already there (a
 * stroke sent again after a lost reply), and anything at or before the last clear change nothing.
 * A stroke of ours that was pending is placed.
 */
export const applyEvent = (scene: Scene, seq: number, event: BoardEvent): Scene => {
  if (event.kind === 'clear')
    return seq <= scene.clearedAtSeq
      ? scene
      : {
          placed: scene.placed.filter((item) => item.seq > seq),
          pending: scene.pending,
          clearedAtSeq: seq,
        }
  const pending = scene.pending.filter((stroke) => stroke.id !== event.id)
  const isGone = seq <= scene.clearedAtSeq
  const isKnown = scene.placed.some((item) => item.seq === seq || item.stroke.id === event.id)
  if (isGone || isKnown)
    return pending.length === scene.pending.length ? scene : { ...scene, pending }
  return { ...scene, pending, placed: place(scene.placed, { seq, stroke: event }) }
}

/**
 * `scene` with our own stroke `id` placed at `seq`, as the reply to its rpc says; gone if
 * someone cleared the board before it arrived (it is gone for everyone).
 */
export const placeOwn = (scene: Scene, id: string, seq: number): Scene => {
  const stroke = scene.pending.find((pending) => pending.id === id)
  return stroke === undefined ? scene : applyEvent(scene, seq, stroke)
}

export const addPending = (scene: Scene, stroke: Stroke): Scene => ({
  ...scene,
  pending: [...scene.pending, stroke],
})

/** `scene` without our stroke `id`, which the server refused. */
export const dropPending = (scene: Scene, id: string): Scene => ({
  ...scene,
  pending: scene.pending.filter((stroke) => stroke.id !== id),
})
