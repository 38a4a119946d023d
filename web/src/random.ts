/** `bytes` random bytes as hex. (`crypto.randomUUID` needs a secure context; this does not.) */
export const randomHex = (bytes = 16): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('')
