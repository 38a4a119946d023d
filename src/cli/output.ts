/** Writing the output of client commands: stdout for results, stderr for notices. */

/** Writes one line to stdout. */
export const printLine = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

/** Writes one notice line, `hubbub: <text>`, to stderr. */
export const printNotice = (text: string): void => {
  process.stderr.write(`hubbub: ${text}\n`)
}

/**
 * Resolves when stdout's reader went away (EPIPE: `hubbub sub … | head -1` after its line), so
 * the command can end quietly with exit 0. Any other write error rejects.
 */
export const whenStdoutClosed = (): Promise<void> =>
  new Promise((resolve, reject) => {
    process.stdout.on('error', (error: Error) => {
      if ('code' in error && error.code === 'EPIPE') resolve()
      else reject(error)
    })
  })
