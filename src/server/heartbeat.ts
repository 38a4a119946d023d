/** A ping/pong watchdog for one connection. */
export interface Heartbeat {
  /** The peer answered the last ping; the next one goes out `intervalMs` from now. */
  pong(): void
  stop(): void
}

/** What {@link startHeartbeat} watches. */
export interface HeartbeatConfig {
  intervalMs: number
  timeoutMs: number
  ping: () => void
  onTimeout: () => void
}

/**
 * Calls `ping()` `intervalMs` after start (and after each answered ping); when `pong()` does not
 * follow within `timeoutMs`, calls `onTimeout()` once and stops.
 *
 * Costs one small object per connection, not a timer: every heartbeat waiting the same delay sits
 * in one queue, in due order, served by one timer (as Node's own timer lists do, without a
 * `Timeout` and closures per connection, which an idle server holds thousands of).
 */
export const startHeartbeat = (config: HeartbeatConfig): Heartbeat => new Beat(config)

class Beat implements Heartbeat {
  readonly #config: HeartbeatConfig
  #isAwaitingPong = false
  /** The queue this beat waits in; undefined once stopped. */
  #queue: DueQueue | undefined

  constructor(config: HeartbeatConfig) {
    this.#config = config
    this.#queue = queueFor(config.intervalMs)
    this.#queue.add(this)
  }

  pong(): void {
    if (!this.#isAwaitingPong || this.#queue === undefined) return
    this.#isAwaitingPong = false
    this.#queue.delete(this)
    this.#queue = queueFor(this.#config.intervalMs)
    this.#queue.add(this)
  }

  stop(): void {
    this.#queue?.delete(this)
    this.#queue = undefined
  }

  /** Its queue's delay passed; it has already been taken out of that queue. */
  due(): void {
    if (this.#isAwaitingPong) {
      this.#queue = undefined
      this.#config.onTimeout()
      return
    }
    this.#isAwaitingPong = true
    this.#queue = queueFor(this.#config.timeoutMs)
    this.#queue.add(this)
    this.#config.ping()
  }
}

/**
 * Beats that wait the same delay, keyed to when they are due. A Map iterates in insertion order,
 * and with one delay that is due order, so the earliest is always first and one timer, armed for
 * it, serves them all.
 */
class DueQueue {
  readonly #delayMs: number
  /** When each beat is due, in ms of `performance.now()`, rounded up to whole ms. */
  readonly #dueAt = new Map<Beat, number>()
  #timer: NodeJS.Timeout | undefined
  readonly #fire = (): void => {
    this.#timer = undefined
    const now = performance.now()
    const errors: unknown[] = []
    // A Map's iterator follows changes made meanwhile: a beat that a callback stops is skipped, one
    // it adds comes last and is not due yet.
    for (const [beat, at] of this.#dueAt) {
      if (at > now) break
      this.#dueAt.delete(beat)
      // Caught per beat, so that one throwing callback does not leave the others hanging.
      try {
        beat.due()
      } catch (err) {
        errors.push(err)
      }
    }
    this.#arm()
    const [first] = errors
    if (errors.length === 1 && first instanceof Error) throw first
    if (errors.length > 0) throw new AggregateError(errors, 'heartbeat callbacks threw')
  }

  constructor(delayMs: number) {
    this.#delayMs = delayMs
  }

  add(beat: Beat): void {
    this.#dueAt.set(beat, Math.ceil(performance.now()) + this.#delayMs)
    this.#arm()
  }

  delete(beat: Beat): void {
    this.#dueAt.delete(beat)
    // An empty queue lets go of its timer, so that it keeps no process alive. Otherwise the timer
    // stays armed for a beat that may be gone: it then finds the next one not yet due and re-arms.
    if (this.#dueAt.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  /** Arms the timer for the earliest beat, unless it is armed already or nothing waits. */
  #arm(): void {
    if (this.#timer !== undefined) return
    for (const at of this.#dueAt.values()) {
      this.#timer = setTimeout(this.#fire, Math.max(1, at - performance.now()))
      return
    }
  }
}

/** One queue per delay, for the whole process: like Node's timer lists, shared by every server. */
const queues = new Map<number, DueQueue>()

const queueFor = (delayMs: number): DueQueue => {
  let queue = queues.get(delayMs)
  if (queue === undefined) {
    queue = new DueQueue(delayMs)
    queues.set(delayMs, queue)
  }
  return queue
}
