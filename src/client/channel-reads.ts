import type { HistoryResult, Member, Position } from '../protocol/index.js'
import type { ClientLink } from './link.js'

/** Which publications a history read returns (the protocol's `history` request). */
export interface HistoryQuery {
  /** Only those after this position. @default undefined (the newest `limit`) */
  since?: Position
  /** At most this many. @default 100 (the server's default) */
  limit?: number
  /** Newest first. @default false */
  reverse?: boolean
}

/** A `presence` request: the channel's members now. Needs no subscription. */
export const readPresence = async (link: ClientLink, channel: string): Promise<Member[]> => {
  const result = (await link.request({ type: 'presence', channel })) as { members: Member[] }
  return result.members
}

/** A `history` request. Needs no subscription. */
export const readHistory = async (
  link: ClientLink,
  channel: string,
  query: HistoryQuery,
): Promise<HistoryResult> =>
  (await link.request({ type: 'history', channel, ...query })) as HistoryResult
