/**
 * A `hubbub serve --workers` worker's side of the cluster: it reports to the primary that it
 * listens (the primary prints the one `hubbub listening on` line), and learns when to drain.
 */
import cluster from 'node:cluster'
import { decodePrimaryMessage, type ListeningMessage } from './messages.js'

/** Why a worker drains. */
export type DrainReason = 'asked by the primary' | 'primary gone'

export interface PrimaryLink {
  /**
   * Resolves once the primary asks this worker to drain, or once the channel to the primary is
   * gone (the primary died: nothing hands this worker connections any more).
   */
  readonly drainRequested: Promise<DrainReason>
  /**
   * Tells the primary that this worker accepts connections on `port`, shown as `url`. Rejects
   * when the message cannot be sent (the primary is gone, which also drains this worker).
   */
  reportListening(url: string, port: number): Promise<void>
}

/**
 * This process's link to its primary, listening from now on (call it before the server starts, so
 * that a drain asked early is not missed); undefined when this process is not a cluster worker.
 */
export const linkToPrimary = (): PrimaryLink | undefined => {
  if (!cluster.isWorker) return undefined
  const drainRequested = new Promise<DrainReason>((resolve) => {
    const onMessage = (message: unknown): void => {
      if (decodePrimaryMessage(message) === undefined) return
      done('asked by the primary')
    }
    const onDisconnect = (): void => {
      done('primary gone')
    }
    const done = (reason: DrainReason): void => {
      process.off('message', onMessage)
      process.off('disconnect', onDisconnect)
      resolve(reason)
    }
    process.on('message', onMessage)
    process.on('disconnect', onDisconnect)
  })
  return {
    drainRequested,
    reportListening(url, port) {
      const message: ListeningMessage = { type: 'hubbub:listening', url, port }
      return new Promise((resolve, reject) => {
        const sent = process.send?.(message, undefined, {}, (error: Error | null) => {
          if (error === null) resolve()
          else reject(error)
        })
        if (sent === undefined) reject(new Error('no channel to the primary'))
      })
    },
  }
}
