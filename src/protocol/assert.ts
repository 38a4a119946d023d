/** Marks the unreachable end of an exhaustive switch: the compiler proves `value` is `never`. */
export const assertNever = (value: never): never => {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`)
}
