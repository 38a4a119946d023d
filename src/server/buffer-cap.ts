import type { Transport } from './transport.js'

/**
 * Returns a check to call after each send: when the transport holds more than `maxBytes`, it
 * calls `onExceeded` if that is still so after this turn's corked writes were offered to the
 * kernel (before that, `bufferedBytes` counts them even for a client that reads promptly).
 */
export const createBufferCap = (
  transport: Transport,
  maxBytes: number,
  onExceeded: () => void,
): (() => void) => {
  let isPending = false
  return () => {
    if (isPending || transport.bufferedBytes <= maxBytes) return
    isPending = true
    setImmediate(() => {
      isPending = false
      if (transport.bufferedBytes > maxBytes) onExceeded()
    })
  }
}
