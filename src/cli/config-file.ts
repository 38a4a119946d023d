/**
 * `hubbub serve --config FILE`: server options in a JSON file, validated before anything starts
 * against one schema (config/hubbub-config.ts). Each mistake (unknown key, wrong type, out of
 * range) is one line naming where it is, e.g.
 * `hubbub.json: channels["team:*"].access.publish: expected one of everyone, users, owner, server`,
 * or `hubbub.json: anonimous: unknown key; did you mean anonymous?`.
 * Flags and environment variables override what the file says.
 */
import { readFileSync } from 'node:fs'
import { webhookProblem } from '../server/index.js'
import { configSchema, type HubbubConfig } from './config/hubbub-config.js'
import { SchemaError, validate } from './config/schema.js'

/** A config file that cannot be used; the message names the file and the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** What a config file may set. */
export type ConfigOptions = HubbubConfig

/** Rules across keys, which the schema alone cannot say; the problem, or undefined. */
const crossCheck = (config: HubbubConfig): SchemaError | undefined => {
  const { jwt, engine } = config
  if (jwt !== undefined) {
    const sources = (['secret', 'publicKeyFile', 'jwksUrl'] as const).filter(
      (key) => jwt[key] !== undefined,
    )
    if (sources.length !== 1)
      return new SchemaError('jwt', 'expected exactly one of secret, publicKeyFile, jwksUrl')
  }
  if (engine?.kind === 'redis' && engine.redisUrl === undefined)
    return new SchemaError('engine.redisUrl', 'missing: kind redis needs a redis:// URL')
  if (engine?.redisUrl !== undefined && engine.kind !== undefined && engine.kind !== 'redis')
    return new SchemaError('engine.redisUrl', `not used with kind ${engine.kind}`)
  if (engine?.kind === 'memory' && engine.dataDir !== undefined)
    return new SchemaError('engine.dataDir', 'not used with kind memory')
  for (const [index, hook] of (config.webhooks ?? []).entries()) {
    const problem = webhookProblem(hook, `webhooks[${index}]`)
    if (problem !== undefined) {
      const [path = '', expected = problem] = problem.split(/: (.*)/s)
      return new SchemaError(path, expected)
    }
  }
  return undefined
}

/** Validates parsed JSON as config options; `where` names the source in messages. */
export const parseConfig = (raw: unknown, where: string): HubbubConfig => {
  try {
    validate(configSchema, raw)
  } catch (error) {
    if (error instanceof SchemaError) throw new ConfigError(`${where}: ${error.message}`)
    throw error
  }
  const config = raw as HubbubConfig
  const problem = crossCheck(config)
  if (problem !== undefined) throw new ConfigError(`${where}: ${problem.message}`)
  return config
}

/** Reads and validates a config file; throws {@link ConfigError} saying what is wrong. */
export const readConfigFile = (file: string): HubbubConfig => {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `cannot read the config file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(
      `${file}: not JSON (${error instanceof Error ? error.message : String(error)})`,
    )
  }
  return parseConfig(raw, file)
}
