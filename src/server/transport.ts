/** What a connection hears from its transport. */
export interface TransportHandlers {
  message(data: Buffer, isBinary: boolean): void
  /** The socket is closed; fires once, whoever closed it. */
  close(code: number, reason: string): void
  /** The send buffer emptied after having been full. */
  drain(): void
  /** After a turn's writes the socket still holds more than `maxBufferedBytes`: a slow consumer. */
  overflow(): void
  /** A WebSocket-level pong arrived. */
  pong(): void
  /** A WebSocket-level ping arrived (ws has answered it). */
  ping(): void
  /** A protocol-level fault (bad frame, reset peer); `close` follows. */
  error(err: Error): void
}

/**
 * The tiny seam between a connection and the wire. Sends are fire-and-forget and never throw;
 * after close they are dropped.
 */
export interface Transport {
  /**
   * Queues one text message for this turn's write. A Buffer is taken as is and must not be changed
   * afterwards (it may be shared with other sockets).
   */
  send(data: Buffer | string): void
  /** Bytes queued and not yet handed to the kernel. */
  readonly bufferedBytes: number
  /**
   * From now on, the frames sent in one event-loop turn may be packed into one message,
   * newline-separated (the peer asked for it with `connect`'s `batch`).
   */
  enableBatching(): void
  /** Starts the close handshake; the socket is destroyed if the peer does not answer in time. */
  close(code: number, reason: string): void
  /** Sends a WebSocket-level ping. */
  ping(): void
  /** Connects the handlers; called once. */
  listen(handlers: TransportHandlers): void
}
