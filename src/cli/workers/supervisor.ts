/**
 * The primary of `hubbub serve --workers N`: forks N workers (node:cluster) that each run the
 * normal serve path on the same port, prints the one `hubbub listening on <url>` line once they
 * all listen, replaces a worker that dies (with a growing delay, so a crash loop does not spin),
 * and on SIGINT or SIGTERM drains them all and exits once they are gone.
 *
 * The first worker starts alone: if it cannot start (Redis unreachable, port taken, bad TLS
 * files) it has said why in one line, and the primary exits with its code instead of starting
 * the others to say the same. On Linux the primary accepts the connections and hands them to the
 * workers in turn (cluster's round-robin); with `--port 0` every worker shares the one port the
 * system picked.
 */
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { ExitCode } from '../usage.js'
import { decodeWorkerMessage, type DrainMessage } from './messages.js'
import { nextDeathCount, restartDelayMs, type RestartDelayOptions } from './restart-delay.js'

export interface SupervisorOptions {
  /** How many workers to keep running, 1 or more. */
  workers: number
  /** The port the workers were asked to listen on; 0: one the system picks, shared by all. */
  port: number
  /** The command line the workers run (`hubbub serve …`), without the node executable. */
  argv: readonly string[]
  /** Variables added to each worker's environment (the server secret). @default {} */
  env?: Record<string, string>
  logger: Logger
  /** Pass SIGHUP on to the workers (they reload the TLS files). @default false */
  forwardHangup?: boolean
  /** How long the workers have to drain after a stop signal before they are killed. @default 10_000 */
  drainDeadlineMs?: number
  /** The delays between a worker's death and its replacement. @default restartDelayDefaults */
  restart?: RestartDelayOptions
}

export const supervisorDefaults = {
  drainDeadlineMs: 10_000,
} as const

/** One of the N places a worker runs in; its worker is replaced when it dies. */
interface Slot {
  readonly index: number
  worker: Worker | undefined
  /** When the current worker was forked (`Date.now()`). */
  startedAtMs: number
  /** Whether the current worker reported that it listens. */
  isListening: boolean
  /** Deaths in a row without a long enough life in between (sets the restart delay). */
  deaths: number
  restartTimer: NodeJS.Timeout | undefined
}

type Phase = 'starting' | 'running' | 'stopping'

/** Runs the workers until a stop signal has drained them; resolves with the exit code. */
export const superviseWorkers = (options: SupervisorOptions): Promise<ExitCode> =>
  new WorkerSupervisor(options).run()

class WorkerSupervisor {
  readonly #options: SupervisorOptions
  readonly #logger: Logger
  readonly #slots: Slot[]
  #phase: Phase = 'starting'
  /** The port workers are told to listen on; becomes the picked port once none holds port 0. */
  #port: number
  /** The port the workers actually listen on, once one said. */
  #actualPort: number | undefined
  #url: string | undefined
  #exitCode: ExitCode = ExitCode.Ok
  #deadline: NodeJS.Timeout | undefined
  #finish: (code: ExitCode) => void = () => undefined
  readonly #onStopSignal = (signal: NodeJS.Signals): void => {
    this.#stop(signal)
  }
  readonly #onHangup = (): void => {
    for (const slot of this.#slots) if (slot.isListening) slot.worker?.process.kill('SIGHUP')
  }

  constructor(options: SupervisorOptions) {
    this.#options = options
    this.#logger = options.logger
    this.#port = options.port
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      worker: undefined,
      startedAtMs: 0,
      isListening: false,
      deaths: 0,
      restartTimer: undefined,
    }))
  }

  run(): Promise<ExitCode> {
    const done = new Promise<ExitCode>((resolve) => {
      this.#finish = resolve
    })
    // Handlers go in before any worker exists: whoever started us may signal right away.
    process.on('SIGINT', this.#onStopSignal)
    process.on('SIGTERM', this.#onStopSignal)
    if (this.#options.forwardHangup === true) process.on('SIGHUP', this.#onHangup)
    const first = this.#slots[0]
    if (first !== undefined) this.#fork(first)
    return done.finally(() => {
      process.off('SIGINT', this.#onStopSignal)
      process.off('SIGTERM', this.#onStopSignal)
      process.off('SIGHUP', this.#onHangup)
      clearTimeout(this.#deadline)
    })
  }

  #fork(slot: Slot): void {
    slot.restartTimer = undefined
    if (this.#port === 0 && this.#actualPort !== undefined && !this.#isAnyWorkerAlive()) {
      // The shared port-0 handle closed with its last worker: ask for the same port by number,
      // which every later worker then shares.
      this.#port = this.#actualPort
    }
    const args = [...this.#options.argv.slice(1)]
    if (this.#port !== this.#options.port) args.push('--port', String(this.#port))
    cluster.setupPrimary({ exec: this.#options.argv[0], args })
    const worker = cluster.fork(this.#options.env ?? {})
    slot.worker = worker
    slot.startedAtMs = Date.now()
    slot.isListening = false
    worker.on('message', (message: unknown) => {
      const decoded = decodeWorkerMessage(message)
      if (decoded !== undefined) this.#onListening(slot, worker, decoded.url, decoded.port)
    })
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      this.#onExit(slot, worker, code, signal)
    })
    worker.on('error', (error: Error) => {
      this.#logger.warn({ err: error, workerPid: worker.process.pid }, 'worker channel error')
    })
  }

  #onListening(slot: Slot, worker: Worker, url: string, port: number): void {
    if (slot.worker !== worker) return
    slot.isListening = true
    this.#actualPort ??= port
    this.#url ??= url
    const workerPid = worker.process.pid
    switch (this.#phase) {
      case 'starting':
        if (slot.index === 0)
          for (const other of this.#slots.slice(1))
            if (other.worker === undefined && other.restartTimer === undefined) this.#fork(other)
        if (this.#slots.every((each) => each.isListening)) {
          this.#phase = 'running'
          process.stdout.write(`hubbub listening on ${this.#url}\n`)
          this.#logger.info(
            { port, workerPids: this.#slots.map((each) => each.worker?.process.pid) },
            'listening',
          )
        }
        return
      case 'running':
        this.#logger.info({ workerPid, port }, 'worker listening')
        return
      case 'stopping':
        this.#drain(worker)
        return
      default:
        this.#phase satisfies never
    }
  }

  #onExit(slot: Slot, worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.worker !== worker) return
    const wasListening = slot.isListening
    slot.worker = undefined
    slot.isListening = false
    const workerPid = worker.process.pid
    switch (this.#phase) {
      case 'stopping':
        if (wasListening && code !== 0)
          this.#logger.warn({ workerPid, code, signal }, 'worker did not drain cleanly')
        if (!this.#isAnyWorkerAlive()) this.#finish(this.#exitCode)
        return
      case 'starting':
        if (!wasListening) {
          // It explained itself on stderr; the others would only say the same.
          this.#exitCode = code === ExitCode.Usage ? ExitCode.Usage : ExitCode.Runtime
          this.#logger.info({ workerPid, code, signal }, 'a worker failed to start; stopping')
          this.#phase = 'stopping'
          this.#stopWorkers()
          return
        }
        this.#scheduleRestart(slot, workerPid, code, signal)
        return
      case 'running':
        this.#scheduleRestart(slot, workerPid, code, signal)
        return
      default:
        this.#phase satisfies never
    }
  }

  #scheduleRestart(
    slot: Slot,
    workerPid: number | undefined,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    const livedMs = Date.now() - slot.startedAtMs
    slot.deaths = nextDeathCount(slot.deaths, livedMs, this.#options.restart)
    const restartInMs = restartDelayMs(slot.deaths, this.#options.restart)
    this.#logger.warn(
      { workerPid, code, signal, livedMs, restartInMs },
      'worker died; restarting it',
    )
    slot.restartTimer = setTimeout(() => {
      this.#fork(slot)
    }, restartInMs)
  }

  /** First signal: drain every worker. Second: kill them. */
  #stop(signal: NodeJS.Signals): void {
    if (this.#phase === 'stopping') {
      process.stderr.write('hubbub: second signal, killing the workers without waiting\n')
      this.#kill(ExitCode.Runtime)
      return
    }
    this.#logger.info({ signal }, 'shutting down: draining the workers')
    this.#phase = 'stopping'
    this.#stopWorkers()
  }

  /** Drains the listening workers, ends the others; kills what is left at the deadline. */
  #stopWorkers(): void {
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer)
      slot.restartTimer = undefined
      const { worker } = slot
      if (worker === undefined) continue
      // One that does not listen yet has no clients to tell, nor a drain handler.
      if (slot.isListening) this.#drain(worker)
      else worker.process.kill('SIGTERM')
    }
    if (!this.#isAnyWorkerAlive()) {
      this.#finish(this.#exitCode)
      return
    }
    const deadlineMs = this.#options.drainDeadlineMs ?? supervisorDefaults.drainDeadlineMs
    this.#deadline = setTimeout(() => {
      this.#logger.warn({ deadlineMs }, 'workers still running at the drain deadline; killing them')
      this.#kill(ExitCode.Runtime)
    }, deadlineMs)
  }

  #drain(worker: Worker): void {
    const message: DrainMessage = { type: 'hubbub:drain' }
    worker.send(message, undefined, (error: Error | null) => {
      // A worker that cannot hear it is exiting already, or stuck: the deadline handles both.
      if (error !== null)
        this.#logger.warn(
          { err: error, workerPid: worker.process.pid },
          'could not ask a worker to drain',
        )
    })
  }

  #kill(exitCode: ExitCode): void {
    this.#exitCode = exitCode
    for (const slot of this.#slots) slot.worker?.process.kill('SIGKILL')
    if (!this.#isAnyWorkerAlive()) this.#finish(exitCode)
  }

  #isAnyWorkerAlive(): boolean {
    return this.#slots.some((slot) => slot.worker !== undefined)
  }
}
