import type { Broker, Engine, State } from '../../src/server/index.js'

/** Resolves on a later turn of the event loop, after other sockets' pending events. */
const laterTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })

/**
 * `engine` with every State call and every broker publish, emit and history read taking a turn of
 * the event loop before and after it, as over a network (Redis): the steps of two nodes then
 * interleave, which the in-process memory engine, resolving at once, never lets them do. The
 * values and the order of one node's publications are the real engine's (setImmediate runs in
 * order); only the timing changes. `close` waits for the calls under way, as a network engine
 * finishes the commands it has sent.
 */
export const withSlowEngine = (engine: Engine): Engine => {
  const underWay = new Set<Promise<unknown>>()
  /** `call` taking a turn of the event loop before and after it, as a call over a network does. */
  const slow =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const done = (async () => {
        await laterTurn()
        const result = await call(...args)
        await laterTurn()
        return result
      })()
      underWay.add(done)
      const forget = () => underWay.delete(done)
      done.then(forget, forget)
      return done
    }
  const { state: innerState, broker: innerBroker } = engine
  const state: State = {
    get: slow((key: string) => innerState.get(key)),
    set: slow((key: string, value: unknown) => innerState.set(key, value)),
    incr: slow((key: string, delta: number) => innerState.incr(key, delta)),
    delete: slow((key: string) => innerState.delete(key)),
  }
  const broker: Broker = {
    subscribe: (channel) => innerBroker.subscribe(channel),
    unsubscribe: (channel) => innerBroker.unsubscribe(channel),
    publish: slow((...args: Parameters<Broker['publish']>) => innerBroker.publish(...args)),
    emit: slow((...args: Parameters<Broker['emit']>) => innerBroker.emit(...args)),
    history: slow((...args: Parameters<Broker['history']>) => innerBroker.history(...args)),
  }
  return {
    broker,
    presence: engine.presence,
    state,
    start: (deliver) => engine.start(deliver),
    async close() {
      await Promise.allSettled([...underWay])
      await engine.close()
    },
  }
}
