/**
 * Typing indicators of a chat room, as the web chat does them: senders signal `{ typing: true }`
 * at most once a second while typing and `{ typing: false }` when they stop; receivers show a
 * person until their `false`, their message, their departure, or a while after their last `true`.
 */
import type { Member } from '../client/node.js'
import { printable } from './printable.js'

/** How long a `{ typing: true }` counts without another one. */
export const TYPING_EXPIRY_MS = 3_000

/** The shortest interval between two `{ typing: true }` of one sender. */
export const TYPING_REPEAT_MS = 1_000

/** The data of a typing signal. */
export interface TypingSignal {
  typing: boolean
}

export const isTypingSignal = (data: unknown): data is TypingSignal =>
  typeof data === 'object' && data !== null && 'typing' in data && typeof data.typing === 'boolean'

export interface TypingTracker {
  /** `member` signalled typing: listed until `TYPING_EXPIRY_MS` after their last signal. */
  typing(member: Member): void
  /** They stopped, their message arrived, or they left. */
  done(user: string): void
  /** Forgets everyone (leaving the room). */
  clear(): void
}

/**
 * Calls `onChange` with the names of who is typing whenever that list changes. One person (user)
 * counts once, whichever of their connections types.
 */
export const createTypingTracker = (onChange: (names: string[]) => void): TypingTracker => {
  const typists = new Map<string, { name: string; timer: NodeJS.Timeout }>()
  const changed = (): void => {
    onChange([...typists.values()].map(({ name }) => name))
  }
  const done = (user: string): void => {
    const typist = typists.get(user)
    if (typist === undefined) return
    clearTimeout(typist.timer)
    typists.delete(user)
    changed()
  }
  return {
    typing(member) {
      const previous = typists.get(member.user)
      if (previous !== undefined) clearTimeout(previous.timer)
      const timer = setTimeout(() => {
        done(member.user)
      }, TYPING_EXPIRY_MS)
      const name = printable(member.name)
      typists.set(member.user, { name, timer })
      if (previous?.name !== name) changed()
    },
    done,
    clear() {
      for (const { timer } of typists.values()) clearTimeout(timer)
      const wasEmpty = typists.size === 0
      typists.clear()
      if (!wasEmpty) changed()
    },
  }
}

/** `Bob is typing…`, `Bob and Carol are typing…`, `3 people are typing…`; undefined for none. */
export const describeTyping = (names: readonly string[]): string | undefined => {
  const [first, second] = names
  if (first === undefined) return undefined
  if (second === undefined) return `${first} is typing…`
  if (names.length === 2) return `${first} and ${second} are typing…`
  return `${names.length} people are typing…`
}

/** Decides which typing signals our own editing deserves. */
export interface TypingThrottle {
  /**
   * The line being typed is now `line`: `{ typing: true }` when it is a message (not empty, not a
   * `/command`) and the last one is `TYPING_REPEAT_MS` old, `{ typing: false }` when it stopped
   * being one, otherwise nothing.
   */
  edited(line: string): TypingSignal | undefined
  /** The message was sent: it tells the others by itself that the typing is over. */
  sent(): void
}

export const createTypingThrottle = (nowMs: () => number = Date.now): TypingThrottle => {
  let isTyping = false
  let lastSentMs = -Infinity
  return {
    edited(line) {
      if (line.trim() === '' || line.startsWith('/')) {
        if (!isTyping) return undefined
        isTyping = false
        return { typing: false }
      }
      if (isTyping && nowMs() - lastSentMs < TYPING_REPEAT_MS) return undefined
      isTyping = true
      lastSentMs = nowMs()
      return { typing: true }
    },
    sent() {
      isTyping = false
    },
  }
}
