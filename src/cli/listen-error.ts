/** Errors from `listen` that have a known cause and a known remedy, by their `code`. */
const remedies: Record<string, (where: string) => string> = {
  EADDRINUSE: (where) =>
    `cannot listen on ${where}: address already in use (EADDRINUSE); pick another with --port`,
  EACCES: (where) =>
    `cannot listen on ${where}: permission denied (EACCES); ports below 1024 need privileges, pick another with --port`,
  EADDRNOTAVAIL: (where) =>
    `cannot listen on ${where}: address not available on this machine (EADDRNOTAVAIL); check --host`,
  ENOTFOUND: (where) => `cannot listen on ${where}: unknown host name (ENOTFOUND); check --host`,
}

const codeOf = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined

/**
 * One line explaining why the server could not listen, or undefined when `error` (or its
 * `cause` chain) is not a listen failure this knows how to explain.
 */
export const describeListenError = (
  error: unknown,
  host: string | undefined,
  port: number,
): string | undefined => {
  const where = host === undefined ? `port ${port}` : `${host} port ${port}`
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    const code = codeOf(current)
    const remedy = code === undefined ? undefined : remedies[code]
    if (remedy !== undefined) return remedy(where)
    current = current instanceof Error ? current.cause : undefined
  }
  return undefined
}
