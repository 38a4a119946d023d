import { createHash } from 'node:crypto'
import type { RedisClientType } from '@redis/client'

/**
 * Runs Lua scripts by their SHA1 (EVALSHA). {@link ScriptRunner.load} gives Redis every script
 * each time the connection is ready, before any command: a call that met an unknown script and
 * was sent again as EVAL could be overtaken by later calls, and publications would leave in
 * another order than they were made. EVAL stays as the fallback (someone ran SCRIPT FLUSH).
 */
export class ScriptRunner {
  readonly #client: () => RedisClientType
  readonly #shas = new Map<string, string>()

  /** `client` gives the connection to use now (it may be replaced). */
  constructor(client: () => RedisClientType) {
    this.#client = client
  }

  /** Loads `scripts` on `client`; call it first thing when the connection is ready. */
  load(client: RedisClientType, scripts: readonly string[]): Promise<unknown[]> {
    return Promise.all(scripts.map((script) => client.sendCommand(['SCRIPT', 'LOAD', script])))
  }

  async run(script: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = this.#shas.get(script)
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex')
      this.#shas.set(script, sha)
    }
    const tail = [String(keys.length), ...keys, ...args]
    try {
      return await this.#client().sendCommand(['EVALSHA', sha, ...tail])
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return await this.#client().sendCommand(['EVAL', script, ...tail])
    }
  }
}
