import { createHash } from 'node:crypto'
import type { RedisClientType } from '@redis/client'

/**
 * Runs Lua scripts by their SHA1 (EVALSHA), sending a script's text (EVAL) only when Redis does
 * not know it yet: at first use, and after a restart emptied its script cache.
 */
export class ScriptRunner {
  readonly #client: () => RedisClientType
  readonly #shas = new Map<string, string>()

  /** `client` gives the connection to use now (it may be replaced). */
  constructor(client: () => RedisClientType) {
    this.#client = client
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
