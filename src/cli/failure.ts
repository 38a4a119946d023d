/**
 * A runtime failure the user can act on: `main` prints `hubbub: <message>` as one line on stderr
 * (no stack) and exits 1. Anything else that escapes a command is a bug and prints its stack.
 */
export class Failure extends Error {
  override readonly name = 'Failure'
}
