import { connect, type Client } from '../../src/client/index.ts'
import { anonId } from './anon-id.ts'

/** The hubbub endpoint of the server that served this page. */
export const hubUrl = (): string =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`

/**
 * Connects to the server that served the page as this browser's anonymous person (see
 * {@link anonId}), under `name` when given. Reconnect delays stay short: a person is waiting.
 */
export const connectHub = (name?: string): Client =>
  connect(hubUrl(), {
    anonId: anonId(),
    ...(name === undefined ? {} : { name }),
    maxReconnectDelayMs: 5_000,
  })
