/** A random idempotency key: 96 bits as hex, from the platform's CSPRNG (browsers and Node 20). */
export const randomKey = (): string => {
  const bytes = new Uint8Array(12)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
