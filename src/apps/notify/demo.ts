import { ErrorCode } from '../../protocol/index.js'
import { ReplyError, type HubApi } from '../../server/index.js'
import type { Background } from '../shared/background.js'

/** When a user's demo source ends. */
export type DemoStopReason = 'disabled' | 'unwatched' | 'lifetime' | 'closed' | 'failed'

export interface DemoTiming {
  minDelayMs: number
  maxDelayMs: number
  /** A demo stops this long after it started. */
  maxLifetimeMs: number
  /** Demos running at once on this node. */
  maxDemos: number
}

/**
 * Per-user demo notifications: while enabled, one timer per user sends a random notification
 * every `minDelayMs`..`maxDelayMs`. Before each one it checks that some connection of that user
 * still subscribes to its channel; if none does, or `maxLifetimeMs` has passed, the demo stops.
 * Each stop is logged at debug level as `notify demo stopped` with `user` and `reason`.
 */
export interface DemoSource {
  /** Starts (keeping a running one as it is) or stops the demo of `user`. */
  set(user: string, isEnabled: boolean): void
  /** Stops every demo. */
  stopAll(): void
}

interface Demo {
  readonly startedAtMs: number
  timer: NodeJS.Timeout | undefined
}

const SAMPLES: readonly { title: string; body: string }[] = [
  { title: 'New follower', body: 'Someone started following you.' },
  { title: 'Build passed', body: 'main is green again.' },
  { title: 'Reminder', body: 'Stand-up in 5 minutes.' },
  { title: 'Mention', body: 'You were mentioned in #general.' },
  { title: 'Payment received', body: 'Your invoice was paid.' },
  { title: 'Deploy finished', body: 'Version 1.4.2 is live.' },
]

const FALLBACK = { title: 'Hello', body: 'A demo notification.' }

export const createDemoSource = (parts: {
  timing: DemoTiming
  log: HubApi['log']
  background: Background
  /** Whether some connection of `user` subscribes to its notification channel. */
  isWatched: (user: string) => Promise<boolean>
  send: (user: string, draft: { title: string; body: string }) => Promise<void>
  random?: () => number
}): DemoSource => {
  const { timing, log } = parts
  const random = parts.random ?? Math.random
  const demos = new Map<string, Demo>()

  const stop = (user: string, reason: DemoStopReason): void => {
    const demo = demos.get(user)
    if (demo === undefined) return
    clearTimeout(demo.timer)
    demos.delete(user)
    log.debug({ user, reason }, 'notify demo stopped')
  }

  const tick = async (user: string, demo: Demo): Promise<void> => {
    if (Date.now() - demo.startedAtMs >= timing.maxLifetimeMs) {
      stop(user, 'lifetime')
      return
    }
    const isWatched = await parts.isWatched(user)
    if (demos.get(user) !== demo) return
    if (!isWatched) {
      stop(user, 'unwatched')
      return
    }
    await parts.send(user, SAMPLES[Math.floor(random() * SAMPLES.length)] ?? FALLBACK)
    if (demos.get(user) === demo) schedule(user, demo)
  }

  const schedule = (user: string, demo: Demo): void => {
    const delayMs = timing.minDelayMs + random() * (timing.maxDelayMs - timing.minDelayMs)
    demo.timer = setTimeout(() => {
      demo.timer = undefined
      const ticked = tick(user, demo).catch((err: unknown) => {
        stop(user, 'failed')
        throw err
      })
      parts.background.run(`notify demo for "${user}"`, ticked)
    }, delayMs)
    demo.timer.unref()
  }

  return {
    set(user, isEnabled) {
      if (!isEnabled) {
        stop(user, 'disabled')
        return
      }
      if (demos.has(user)) return
      if (demos.size >= timing.maxDemos)
        throw new ReplyError(ErrorCode.TooManyRequests, 'too many notification demos are running')
      const demo: Demo = { startedAtMs: Date.now(), timer: undefined }
      demos.set(user, demo)
      schedule(user, demo)
    },
    stopAll() {
      for (const user of [...demos.keys()]) stop(user, 'closed')
    },
  }
}
