import type { Logger } from 'pino'
import type { HubApi, HubStats, RegisteredText } from './api.js'
import type { ChannelRules } from './channel-options.js'
import { serverCaller } from './caller.js'
import type { Hub } from './hub.js'
import { randomId } from './ids.js'
import { createLocalSession } from './local-session.js'

const SERVER = serverCaller()

/** Builds the API apps see, over the hub and the server's registries. */
export const createHubApi = (
  hub: Hub,
  registries: {
    rules: ChannelRules
    textEndpoints: Map<string, RegisteredText>
    logger: Logger
    stats: () => HubStats
  },
): HubApi => ({
  stats: registries.stats,
  node: hub.nodeId,
  state: hub.engine.state,
  log: registries.logger,
  channel(pattern, options) {
    registries.rules.add(pattern, options)
  },
  rpc(method, handler) {
    hub.registerRpc(method, handler)
  },
  text(path, endpoint, options = {}) {
    if (!path.startsWith('/')) throw new Error(`text endpoint path "${path}" must start with /`)
    if (registries.textEndpoints.has(path))
      throw new Error(`text endpoint "${path}" is registered twice`)
    for (const key of ['messagesPerSecond', 'messageBurst'] as const) {
      const value = options[key]
      if (value !== undefined && !(Number.isFinite(value) && value > 0))
        throw new Error(`text endpoint "${path}": ${key} must be a positive number`)
    }
    registries.textEndpoints.set(path, { endpoint, options })
  },
  publish(channel, data, options) {
    return hub.publish(channel, data, {
      from: options?.from,
      key: options?.key,
      caller: SERVER,
    })
  },
  history(channel, options) {
    return hub.history(channel, options ?? {}, SERVER)
  },
  presence(channel) {
    return hub.presence(channel, SERVER)
  },
  session(init) {
    const client = randomId()
    const member = { client, user: init.user ?? `anon:${client}`, name: init.name }
    return createLocalSession(
      hub,
      registries.logger,
      init.info === undefined ? member : { ...member, info: init.info },
    )
  },
})
