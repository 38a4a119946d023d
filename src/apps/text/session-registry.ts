import type { HubApi, LocalSession } from '../../server/index.js'

/**
 * The server-side sessions of an app's text connections, kept so that the app can wait for them
 * at shutdown: the engine closes right after the apps, and a session that is still leaving its
 * channels then would fail.
 */
export interface SessionRegistry {
  /** Creates a session (as `hub.session`, which may throw) and keeps it until it is closed. */
  open(name: string, info?: unknown): LocalSession
  /** Closes a session; closing one that is closing or closed returns the same promise. */
  close(session: LocalSession): Promise<void>
  /** Closes every session still open and resolves when every close, also earlier ones, is done. */
  closeAll(): Promise<void>
}

export const createSessionRegistry = (hub: HubApi): SessionRegistry => {
  // Open or still closing; a session leaves this set once its close is done.
  const live = new Set<LocalSession>()
  const closing = new WeakMap<LocalSession, Promise<void>>()
  const close = (session: LocalSession): Promise<void> => {
    const started = closing.get(session)
    if (started !== undefined) return started
    const closed = session.close().finally(() => live.delete(session))
    closing.set(session, closed)
    return closed
  }
  return {
    open(name, info) {
      const session = hub.session(info === undefined ? { name } : { name, info })
      live.add(session)
      return session
    },
    close,
    async closeAll() {
      await Promise.all([...live].map(close))
    },
  }
}
