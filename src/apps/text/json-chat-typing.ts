/**
 * Typing indicators between the JSON chat dialect and the chat room's typing signals, the
 * `{ typing: true | false }` signal data the web chat and `hubbub chat` send and show.
 */
import type { Member } from '../../protocol/index.js'

/** Timings of the typing bridge. */
export interface TypingTimings {
  /** Shortest interval between two `{ typing: true }` of one JSON client that keeps typing. */
  repeatMs: number
  /** How long a `typing` counts without another one or a `stop_typing`, both ways. */
  expiryMs: number
}

/**
 * As the web chat: a typist repeats `true` every second, and typing ends 2 s after the last
 * `typing` without a `stop_typing`.
 */
export const jsonTypingTimings: TypingTimings = { repeatMs: 1_000, expiryMs: 2_000 }

/** The chat room's signal data for typing. */
export interface TypingSignal {
  typing: boolean
}

export const isTypingSignal = (data: unknown): data is TypingSignal =>
  typeof data === 'object' && data !== null && 'typing' in data && typeof data.typing === 'boolean'

/** Turns one JSON client's `typing` / `stop_typing` into the room's typing signals. */
export interface TypingRelay {
  /** The client sent `typing` (snippets send one per keystroke): signal `true`, throttled. */
  typing(): void
  /** The client sent `stop_typing`: signal `false` if it was typing. */
  stopped(): void
  /** The client's message went out: its arrival ends the typing for everyone, no signal needed. */
  sent(): void
  dispose(): void
}

/**
 * Signals `{ typing: true }` at most once per `repeatMs` while `typing` keeps coming, and
 * `{ typing: false }` on `stop_typing` or `expiryMs` after the last `typing`, so that a client that
 * never says `stop_typing` stops showing as typing.
 */
export const createTypingRelay = (
  signal: (data: TypingSignal) => void,
  timings: TypingTimings,
): TypingRelay => {
  let isTyping = false
  let lastSentMs = -Infinity
  let expiry: ReturnType<typeof setTimeout> | undefined
  const reset = (): void => {
    clearTimeout(expiry)
    isTyping = false
    lastSentMs = -Infinity
  }
  const stopped = (): void => {
    if (!isTyping) return
    reset()
    signal({ typing: false })
  }
  return {
    typing() {
      const nowMs = performance.now()
      if (!isTyping || nowMs - lastSentMs >= timings.repeatMs) {
        isTyping = true
        lastSentMs = nowMs
        signal({ typing: true })
      }
      clearTimeout(expiry)
      expiry = setTimeout(stopped, timings.expiryMs)
    },
    stopped,
    sent: reset,
    dispose: reset,
  }
}

/** Who of the others types, as one JSON client is told with `typing` / `stop_typing`. */
export interface TypistWatch {
  /** A typing signal from `from`. */
  signal(from: Member, data: TypingSignal): void
  /** `user`'s message arrived: it no longer types. */
  messaged(user: string): void
  /** `member` left: its user no longer types if that connection was the one typing. */
  left(member: Member): void
  dispose(): void
}

/**
 * Calls `onStart` when someone (a user, whichever of its connections types) starts typing and
 * `onStop` when they stop: on their `false`, their message, their departure, or `expiryMs` after
 * their last `true`. Repeated `true`s only extend the expiry.
 */
export const createTypistWatch = (
  expiryMs: number,
  notify: { onStart(name: string): void; onStop(name: string): void },
): TypistWatch => {
  const typists = new Map<
    string,
    { name: string; client: string; timer: ReturnType<typeof setTimeout> }
  >()
  const stop = (user: string): void => {
    const typist = typists.get(user)
    if (typist === undefined) return
    clearTimeout(typist.timer)
    typists.delete(user)
    notify.onStop(typist.name)
  }
  return {
    signal(from, data) {
      if (!data.typing) {
        stop(from.user)
        return
      }
      const previous = typists.get(from.user)
      if (previous !== undefined) clearTimeout(previous.timer)
      const timer = setTimeout(() => {
        stop(from.user)
      }, expiryMs)
      typists.set(from.user, { name: from.name, client: from.client, timer })
      if (previous === undefined) notify.onStart(from.name)
    },
    messaged: stop,
    left(member) {
      if (typists.get(member.user)?.client === member.client) stop(member.user)
    },
    dispose() {
      for (const { timer } of typists.values()) clearTimeout(timer)
      typists.clear()
    },
  }
}
