/**
 * Why a client call failed: a server reply code (`bad_request`, `forbidden`, … as in the
 * protocol), or one of the client's own: `timeout` (no reply in time), `disconnected` (the link
 * dropped before the reply; the call may or may not have taken effect), `closed` (the client is
 * closed, or the subscription was unsubscribed), `outbox_full` (too many publishes waiting for a connection).
 */
export class HubbubError extends Error {
  override readonly name = 'HubbubError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}
