/**
 * Webhook signatures. The signed text is `<timestamp>.<body>`: the `X-Hubbub-Timestamp` header's
 * value (Unix seconds, decimal), a dot, and the raw request body bytes. The `X-Hubbub-Signature`
 * header is `sha256=` and the lowercase hex HMAC-SHA256 of that text under the webhook's secret.
 */
import { createHmac } from 'node:crypto'

/** The `X-Hubbub-Signature` value for a body sent at `timestampSeconds`. */
export const signWebhook = (secret: string, timestampSeconds: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`
