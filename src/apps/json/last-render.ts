/**
 * Renders what the plain clients of a node are sent for one event once for all of them: the hub
 * fans one event object out to every session in turn, so `render` runs only when the object
 * differs from the previous call's.
 */
export const createLastRender = <In extends object, Out>(
  render: (input: In) => Out,
): ((input: In) => Out) => {
  let last: { input: In; output: Out } | undefined
  return (input) => {
    if (last?.input !== input) last = { input, output: render(input) }
    return last.output
  }
}
