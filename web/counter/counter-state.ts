/**
 * What a counter page shows, from three sources: the channel's publications and subscribe state
 * (the truth, in order), the replies to our own `counter.add` calls (sooner), and the clicks still
 * on their way (shown at once).
 *
 * A reply counts only when no publication arrived while its call was out: then it is newer than
 * everything seen so far. Otherwise its place among the publications is unknown, and the
 * publications decide; the server always publishes a value read after the last change, so the
 * display settles on the true value whichever arrives last.
 */
export interface CounterState {
  /** The newest value known from the server; undefined until the first one. */
  value: number | undefined
  /** Sum of the deltas of calls without a reply yet. */
  pending: number
  /** Publications (and subscribe states) received, to tell whether a reply may be stale. */
  updates: number
}

export const initialCounter: CounterState = { value: undefined, pending: 0, updates: 0 }

/** The number to show. */
export const shownValue = (state: CounterState): number | undefined =>
  state.value === undefined ? undefined : state.value + state.pending

/** A value from the channel: a publication or the subscribe state. */
export const onUpdate = (state: CounterState, value: number): CounterState => ({
  ...state,
  value,
  updates: state.updates + 1,
})

/** A call goes out; `updates` is then remembered for {@link onReply}. */
export const onCall = (state: CounterState, delta: number): CounterState => ({
  ...state,
  pending: state.pending + delta,
})

/** A call's reply: `value` is the counter right after it, `updatesAtCall` from when it went out. */
export const onReply = (
  state: CounterState,
  delta: number,
  value: number,
  updatesAtCall: number,
): CounterState => ({
  ...state,
  pending: state.pending - delta,
  value: state.updates === updatesAtCall ? value : state.value,
})

/** A call failed: its delta is no longer shown. */
export const onFailure = (state: CounterState, delta: number): CounterState => ({
  ...state,
  pending: state.pending - delta,
})

/** The `value` of a counter publication or state, or undefined when it has none. */
export const counterValue = (data: unknown): number | undefined =>
  typeof data === 'object' &&
  data !== null &&
  'value' in data &&
  typeof data.value === 'number' &&
  Number.isFinite(data.value)
    ? data.value
    : undefined
