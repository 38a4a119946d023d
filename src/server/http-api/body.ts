import type { IncomingMessage } from 'node:http'
import { ErrorCode } from '../../protocol/index.js'
import { ApiFailure } from './errors.js'

const tooLarge = (maxBytes: number): ApiFailure =>
  new ApiFailure(413, ErrorCode.TooLarge, `the body is larger than ${maxBytes} bytes`)

/**
 * Reads a request body of at most `maxBytes`. Rejects with a 413 {@link ApiFailure} as soon as a
 * `Content-Length` or the bytes received pass the limit, without reading further (the caller then
 * closes the connection), and with the request's own error if the client goes away.
 */
export const readBody = (req: IncomingMessage, maxBytes: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > maxBytes) {
      reject(tooLarge(maxBytes))
      return
    }
    const chunks: Buffer[] = []
    let received = 0
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (received > maxBytes) {
        cleanup()
        chunks.length = 0
        req.pause()
        reject(tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks, received))
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onClose = (): void => {
      cleanup()
      reject(new Error('the client went away before sending the whole body'))
    }
    const cleanup = (): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
