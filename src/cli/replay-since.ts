/** `hubbub sub --since SEQ`: the publications between SEQ and the subscription's start. */
import { HubbubError, type Position, type Pub, type Subscription } from '../client/node.js'

/** Publications asked per history request; the server caps it at the channel's history size. */
const PAGE_SIZE = 1_000

export interface Replay {
  /** Publications after `sinceSeq` up to the start position, oldest first. */
  pubs: Pub[]
  /** Seqs after `sinceSeq` that history no longer holds (`[first, last]`), if any. */
  lost?: [number, number]
}

/**
 * Reads from history what came after `sinceSeq` (in the start position's epoch) up to `start`,
 * page by page. When history no longer reaches back that far, returns what it still holds and
 * says which seqs are lost.
 */
export const replaySince = async (
  sub: Subscription,
  sinceSeq: number,
  start: Position,
): Promise<Replay> => {
  const pubs: Pub[] = []
  let after = sinceSeq
  while (after < start.seq) {
    let page: Pub[]
    try {
      page = (await sub.history({ since: { epoch: start.epoch, seq: after }, limit: PAGE_SIZE }))
        .pubs
    } catch (error) {
      if (!(error instanceof HubbubError && error.code === 'unrecoverable')) throw error
      const rest = await newestAfter(sub, after, start)
      return { ...rest, pubs: [...pubs, ...rest.pubs] }
    }
    const kept = page.filter((pub) => pub.seq > after && pub.seq <= start.seq)
    const last = kept.at(-1)
    if (last === undefined) break
    pubs.push(...kept)
    after = last.seq
  }
  return { pubs }
}

/** The part of history after `after` that is still kept, when the rest has expired. */
const newestAfter = async (sub: Subscription, after: number, start: Position): Promise<Replay> => {
  const { pubs } = await sub.history({ limit: PAGE_SIZE })
  const kept = pubs.filter(
    (pub) => pub.epoch === start.epoch && pub.seq > after && pub.seq <= start.seq,
  )
  const firstKept = kept[0]?.seq ?? start.seq + 1
  return firstKept > after + 1 ? { pubs: kept, lost: [after + 1, firstKept - 1] } : { pubs: kept }
}
