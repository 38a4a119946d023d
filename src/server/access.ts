import { ErrorCode } from '../protocol/index.js'
import type { Caller } from './caller.js'
import type { ChannelAction, ResolvedChannelOptions } from './channel-options.js'
import { ReplyError } from './errors.js'

const VERBS: Record<ChannelAction, string> = {
  subscribe: 'subscribe to',
  publish: 'publish to',
  presence: 'read the presence of',
  history: 'read the history of',
}

/** Whether `caller` may do `action` on `channel` under its resolved options' access levels. */
export const mayAccess = (
  caller: Caller,
  action: ChannelAction,
  channel: string,
  options: ResolvedChannelOptions,
): boolean => {
  if (caller.isServer) return true
  const { level, owner } = options.access[action]
  switch (level) {
    case 'server':
      return false
    case 'everyone':
      return true
    case 'users':
      return caller.isAuthenticated || caller.isGranted(channel)
    case 'owner':
      return (owner !== undefined && caller.member.user === owner) || caller.isGranted(channel)
  }
}

/** Throws `forbidden`, saying who may, unless {@link mayAccess}. */
export const checkAccess = (
  caller: Caller,
  action: ChannelAction,
  channel: string,
  options: ResolvedChannelOptions,
): void => {
  if (mayAccess(caller, action, channel, options)) return
  const { level } = options.access[action]
  const who =
    level === 'server'
      ? 'only the server may'
      : level === 'users'
        ? 'only signed-in users may'
        : 'only its owner may'
  throw new ReplyError(ErrorCode.Forbidden, `you may not ${VERBS[action]} "${channel}": ${who}`)
}
