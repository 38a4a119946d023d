import { connect, type Client } from '../../src/client/index.ts'
import { keepCredential, storedCredential } from './credential.ts'

/** The hubbub endpoint of the server that served this page. */
export const hubUrl = (): string =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`

/**
 * Connects to the server that served the page as this browser's anonymous person (the
 * credential the server issued it, see {@link storedCredential}), under `name` when given.
 * Reconnect delays stay short: a person is waiting.
 */
export const connectHub = (name?: string): Client => {
  const credential = storedCredential()
  const client = connect(hubUrl(), {
    ...(credential === undefined ? {} : { credential }),
    ...(name === undefined ? {} : { name }),
    maxReconnectDelayMs: 5_000,
  })
  keepCredential(client)
  return client
}
