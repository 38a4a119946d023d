/**
 * Resolves at the first SIGINT (Ctrl+C) or SIGTERM, so that a long-running client command can
 * close its connection and exit 0. `dispose` removes the handlers (a later signal then kills the
 * process the default way).
 */
export const whenStopSignal = (): { stopped: Promise<NodeJS.Signals>; dispose: () => void } => {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      dispose()
      resolve(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  const dispose = (): void => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return { stopped, dispose }
}
