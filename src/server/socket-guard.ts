import type { Socket } from 'node:net'

export interface SocketGuardOptions {
  /**
   * Sockets from one address that have been sending their request headers for longer than
   * {@link PENDING_GRACE_MS}; past it new ones are destroyed at once, and the sweep closes the
   * extra ones.
   */
  maxPendingHeadersPerIp: number
  /** How long a socket may take to finish its headers, from its accept. */
  headersTimeoutMs: number
  /** Sockets open at once (every phase); past it the oldest pending one, or the new one, goes. */
  maxOpenSockets: number
  /** Told of each socket the guard closes, so that an operator can see why (the server logs it). */
  onClosed?: (closed: GuardClosed) => void
}

/** Why the guard closed a socket before its request arrived. */
export type GuardClosedReason =
  /** Its address already had `maxPendingHeadersPerIp` sockets sending headers. */
  | 'pending-headers-per-ip'
  /** The process neared its open-files limit: this new socket, or the oldest pending one. */
  | 'open-files'
  /** It did not finish its headers within `headersTimeoutMs`. */
  | 'headers-timeout'

export interface GuardClosed {
  reason: GuardClosedReason
  ip: string
}

/**
 * How long a socket may wait for its headers to be read before it counts against its address's
 * budget. An honest client sends its headers in one packet, but a busy server reads them late: a
 * NAT's reconnect storm arrives faster than the event loop reads, so counting young sockets
 * would turn honest clients away. A slow client stays pending past this; those are counted.
 */
export const PENDING_GRACE_MS = 1_000

/** A socket that has not finished its request headers yet. */
interface Pending {
  socket: Socket
  key: string
  ip: string
  since: number
}

/**
 * Guards the accept path against one client hogging sockets and file descriptors: counts every
 * accepted socket until it closes, and each one that has been sending its first request's headers
 * for longer than {@link PENDING_GRACE_MS} against its address. Past the per-address budget, new
 * sockets are destroyed as they arrive and the sweep closes the extra pending ones; pending ones past
 * the headers deadline are swept away, whether they sent part of a request or nothing; and when the
 * process nears its open-files limit, the oldest pending socket makes room (or the new socket is
 * refused when none is pending), so that the process never reaches EMFILE, which would lock every
 * client out.
 */
export class SocketGuard {
  readonly #options: SocketGuardOptions
  /** Pending sockets by `address port` (a TLS socket and its TCP socket share it), oldest first. */
  readonly #pending = new Map<string, Pending>()
  /** Each address's pending sockets, oldest first. */
  readonly #pendingPerIp = new Map<string, Set<Pending>>()
  #open = 0
  #sweeper: NodeJS.Timeout | undefined

  constructor(options: SocketGuardOptions) {
    this.#options = options
  }

  /** Sockets open now. */
  get openSockets(): number {
    return this.#open
  }

  /** A TCP socket was accepted (the HTTP server's `connection` event). */
  admit(socket: Socket): void {
    const ip = socket.remoteAddress
    if (ip === undefined) {
      socket.destroy()
      return
    }
    const { maxPendingHeadersPerIp, maxOpenSockets } = this.#options
    const now = performance.now()
    if (this.#stalePending(ip, now) >= maxPendingHeadersPerIp) {
      this.#refuse(socket, { reason: 'pending-headers-per-ip', ip })
      return
    }
    if (this.#open >= maxOpenSockets) {
      const oldest = this.#pending.values().next().value
      if (oldest === undefined) {
        this.#refuse(socket, { reason: 'open-files', ip })
        return
      }
      this.#evict(oldest, 'open-files')
    }
    this.#open += 1
    const key = peerKey(ip, socket.remotePort)
    const pending: Pending = { socket, key, ip, since: now }
    this.#pending.set(key, pending)
    const ofIp = this.#pendingPerIp.get(ip) ?? new Set<Pending>()
    this.#pendingPerIp.set(ip, ofIp.add(pending))
    socket.once('close', () => {
      this.#open -= 1
      this.#forget(key)
    })
    this.#startSweeping()
  }

  /** A socket's request or upgrade headers arrived (`req.socket`: TCP, or TLS over it). */
  settled(socket: Socket): void {
    const ip = socket.remoteAddress
    if (ip !== undefined) this.#forget(peerKey(ip, socket.remotePort))
  }

  /** Stops the sweeper (server shutdown). */
  stop(): void {
    clearInterval(this.#sweeper)
    this.#sweeper = undefined
  }

  #refuse(socket: Socket, closed: GuardClosed): void {
    socket.destroy()
    this.#options.onClosed?.(closed)
  }

  #evict(pending: Pending, reason: GuardClosedReason): void {
    this.#forget(pending.key)
    this.#refuse(pending.socket, { reason, ip: pending.ip })
  }

  #forget(key: string): void {
    const pending = this.#pending.get(key)
    if (pending === undefined) return
    this.#pending.delete(key)
    const ofIp = this.#pendingPerIp.get(pending.ip)
    ofIp?.delete(pending)
    if (ofIp?.size === 0) this.#pendingPerIp.delete(pending.ip)
    if (this.#pending.size === 0) this.stop()
  }

  #startSweeping(): void {
    if (this.#sweeper !== undefined) return
    const { headersTimeoutMs } = this.#options
    this.#sweeper = setInterval(
      () => {
        this.#sweep()
      },
      Math.max(50, Math.min(1_000, headersTimeoutMs / 4)),
    )
    this.#sweeper.unref()
  }

  /** How many of `ip`'s pending sockets are past the grace at `now` (the set is oldest first). */
  #stalePending(ip: string, now: number): number {
    let stale = 0
    const cutoff = now - PENDING_GRACE_MS
    for (const pending of this.#pendingPerIp.get(ip) ?? []) {
      if (pending.since > cutoff) break
      stale += 1
    }
    return stale
  }

  /**
   * Destroys the pending sockets past the headers deadline (the map is oldest first), then, for
   * each address, its stale pending sockets past the budget, newest first (the oldest meet the
   * deadline soonest anyway).
   */
  #sweep(): void {
    const now = performance.now()
    const cutoff = now - this.#options.headersTimeoutMs
    for (const pending of this.#pending.values()) {
      if (pending.since > cutoff) break
      this.#evict(pending, 'headers-timeout')
    }
    const { maxPendingHeadersPerIp } = this.#options
    for (const [ip, ofIp] of [...this.#pendingPerIp]) {
      const stale = this.#stalePending(ip, now)
      if (stale <= maxPendingHeadersPerIp) continue
      const extra = [...ofIp].slice(maxPendingHeadersPerIp, stale)
      for (const pending of extra) this.#evict(pending, 'pending-headers-per-ip')
    }
  }
}

const peerKey = (ip: string, port: number | undefined): string => `${ip} ${String(port)}`
