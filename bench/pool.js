/** Runs `fn(0…n-1)`, at most `width` at once; rejects with the first failure. */
export const pool = async (n, width, fn) => {
  let next = 0
  const worker = async () => {
    while (next < n) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.min(n, width) }, worker))
}
