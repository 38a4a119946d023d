import {
  type ApiErrorBody,
  type ApiInfo,
  type ApiMethod,
  type ApiMethods,
  type DisconnectRecord,
  type Member,
} from '../../protocol/index.js'
import { serverCaller } from '../caller.js'
import { clipReason, ReplyError } from '../errors.js'
import type { Hub } from '../hub.js'
import { ApiFailure, fromReplyError } from './errors.js'
import { Params, type ParamLimits } from './params.js'

/** What the API's methods act on: the hub and the server's view of this node. */
export interface ApiContext {
  hub: Hub
  limits: ParamLimits & {
    /** Most channels one `broadcast` names. */
    maxBroadcastChannels: number
  }
  /** Closes this node's protocol connections whose member matches; resolves how many. */
  disconnect: (matches: (member: Member) => boolean, reason: string) => number
  /** This node's version and counts. */
  info: () => ApiInfo
  /** This node's most recent protocol disconnects, newest first, at most `limit`. */
  disconnects: (limit: number) => DisconnectRecord[]
}

const MAX_ID_LENGTH = 256
const MAX_KEY_LENGTH = 256
const MAX_RPC_METHOD_LENGTH = 128
const DEFAULT_DISCONNECT_REASON = 'disconnected by the server'
/** A backend with the API key acts as the server: no channel permission applies. */
const SERVER = serverCaller()

type Handler<M extends ApiMethod> = (
  params: Params,
  context: ApiContext,
) => Promise<ApiMethods[M]['result']>

/** An error of one channel in a `broadcast` result; anything but a `ReplyError` is rethrown. */
const channelError = (err: unknown): { error: ApiErrorBody } => {
  if (err instanceof ReplyError) return { error: { code: err.code, message: err.message } }
  throw err
}

/**
 * One function per method: each decodes its params completely (refusing unknown fields) before
 * it acts, so a bad request changes nothing.
 */
const methods: { [M in ApiMethod]: Handler<M> } = {
  async publish(params, { hub }) {
    const channel = params.channel()
    const data = params.data()
    const key = params.optionalString('key', MAX_KEY_LENGTH)
    params.done()
    const { seq, epoch } = await hub.publish(channel, data, { key, caller: SERVER })
    return { seq, epoch }
  },

  async broadcast(params, { hub, limits }) {
    const channels = params.channels('channels')
    if (channels.length > limits.maxBroadcastChannels)
      throw ApiFailure.badRequest(
        `"channels" names ${channels.length} channels, more than ${limits.maxBroadcastChannels}`,
      )
    const data = params.data()
    params.done()
    const results = await Promise.all(
      channels.map((channel) =>
        hub
          .publish(channel, data, { caller: SERVER })
          .then(({ seq, epoch }) => ({ seq, epoch }), channelError),
      ),
    )
    return { results }
  },

  async presence(params, { hub }) {
    const channel = params.channel()
    params.done()
    return { members: await hub.presence(channel, SERVER) }
  },

  async history(params, { hub }) {
    const channel = params.channel()
    const since = params.optionalPosition('since')
    const limit = params.optionalCount('limit')
    const reverse = params.optionalBoolean('reverse')
    params.done()
    return await hub.history(channel, { since, limit, reverse: reverse === true }, SERVER)
  },

  disconnect(params, { disconnect }) {
    const hasUser = params.has('user')
    if (hasUser === params.has('client'))
      throw ApiFailure.badRequest('give exactly one of "user" and "client"')
    const target = hasUser
      ? params.string('user', MAX_ID_LENGTH)
      : params.string('client', MAX_ID_LENGTH)
    const reason = params.optionalString('reason', MAX_ID_LENGTH) ?? DEFAULT_DISCONNECT_REASON
    params.done()
    const matches = hasUser
      ? (member: Member) => member.user === target
      : (member: Member) => member.client === target
    return Promise.resolve({ disconnected: disconnect(matches, clipReason(reason)) })
  },

  async rpc(params, { hub }) {
    const method = params.string('method', MAX_RPC_METHOD_LENGTH)
    const payload = params.payload('params', { isRequired: false }) ?? null
    params.done()
    const result = await hub.rpc(method, payload, SERVER)
    return { result: result ?? null }
  },

  channels(params, { hub }) {
    params.done()
    return Promise.resolve({ channels: hub.localChannels() })
  },

  info(params, { info }) {
    params.done()
    return Promise.resolve(info())
  },

  disconnects(params, { disconnects }) {
    const limit = params.optionalCount('limit') ?? Number.MAX_SAFE_INTEGER
    params.done()
    return Promise.resolve({ disconnects: disconnects(limit) })
  },
}

const isApiMethod = (name: string): name is ApiMethod => Object.hasOwn(methods, name)

/**
 * Runs API method `name` on a parsed JSON body and resolves its `result`. Throws an
 * {@link ApiFailure} for an unknown method or bad params, and turns a `ReplyError` from the hub or
 * an app into one with the code's status; anything else is a bug and is rethrown.
 */
export const callMethod = async (
  name: string,
  body: unknown,
  context: ApiContext,
): Promise<unknown> => {
  if (!isApiMethod(name))
    throw new ApiFailure(404, 'not_found', `no API method "${name.slice(0, 64)}"`)
  const params = new Params(body, context.limits)
  try {
    // The mapped type cannot follow `name` through the lookup: each handler takes Params anyway.
    const handler = methods[name] as Handler<ApiMethod>
    return await handler(params, context)
  } catch (err) {
    if (err instanceof ReplyError) throw fromReplyError(err)
    throw err
  }
}
