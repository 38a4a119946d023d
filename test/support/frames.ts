import WebSocket from 'ws'

/** Messages a test client received, consumed in order by awaiting them. */
export class Inbox<T> {
  readonly #items: T[] = []
  readonly #waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = []

  push(item: T): void {
    const index = this.#waiters.findIndex((waiter) => waiter.match(item))
    if (index >= 0) {
      const [waiter] = this.#waiters.splice(index, 1)
      waiter?.resolve(item)
      return
    }
    this.#items.push(item)
  }

  /** The first received item matching `match` (removing it), waiting for it if needed. */
  take(match: (item: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
    const index = this.#items.findIndex(match)
    if (index >= 0) return Promise.resolve(this.#items.splice(index, 1)[0] as T)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching message within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiters.push({
        match,
        resolve: (item) => {
          clearTimeout(timer)
          resolve(item)
        },
      })
    })
  }

  /** Everything received and not yet taken. */
  get pending(): readonly T[] {
    return this.#items
  }
}

export interface Closed {
  code: number
  reason: string
}

/** Resolves when the socket closes, with the close code and reason the client saw. */
export const closed = (ws: WebSocket): Promise<Closed> =>
  new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) {
      resolve({ code: 1006, reason: '' })
      return
    }
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
    })
  })

export const opened = (ws: WebSocket): Promise<void> =>
  new Promise((resolve, reject) => {
    ws.once('open', () => {
      resolve()
    })
    ws.once('error', reject)
  })

/** The HTTP status an upgrade was refused with. */
export const refusedStatus = (ws: WebSocket): Promise<number> =>
  new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      // Aborting makes ws emit "closed before the connection was established": expected here.
      ws.once('error', () => undefined)
      ws.terminate()
    })
    ws.once('open', () => {
      reject(new Error('the upgrade was accepted'))
    })
  })
