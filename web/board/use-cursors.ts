import { useEffect, useState } from 'preact/hooks'
import type { Member, Subscription } from '../../src/client/index.ts'

/** Another connection's pointer on the board. */
export interface Cursor {
  client: string
  user: string
  name: string
  /** Fractions of the board's width and height. */
  x: number
  y: number
  /** Not moved for {@link IDLE_MS}: shown faded, since its pointer may have left the board. */
  isIdle: boolean
}

export const IDLE_MS = 5_000

interface Seen {
  member: Member
  x: number
  y: number
  movedAt: number
}

const pointOf = (data: unknown): { x: number; y: number } | undefined => {
  if (typeof data !== 'object' || data === null) return undefined
  const { x, y } = data as Record<string, unknown>
  return typeof x === 'number' && typeof y === 'number' && x >= 0 && x <= 1 && y >= 0 && y <= 1
    ? { x, y }
    : undefined
}

/**
 * The cursors of everyone else on the board, from their `{ x, y }` signals: one per connection,
 * gone when it leaves (or, after a reconnect of ours, when it is no longer a member).
 */
export const useCursors = (sub: Subscription | undefined): Cursor[] => {
  const [seen, setSeen] = useState<ReadonlyMap<string, Seen>>(new Map())
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (sub === undefined) return undefined
    const without =
      (isGone: (client: string) => boolean) => (current: ReadonlyMap<string, Seen>) => {
        const next = new Map([...current].filter(([client]) => !isGone(client)))
        return next.size === current.size ? current : next
      }
    const offs = [
      sub.on('signal', ({ from, data }) => {
        const point = pointOf(data)
        if (point === undefined) return
        setSeen((current) =>
          new Map(current).set(from.client, { member: from, ...point, movedAt: Date.now() }),
        )
      }),
      sub.on('leave', (member) => {
        setSeen(without((client) => client === member.client))
      }),
      sub.on('subscribed', ({ members }) => {
        const present = new Set((members ?? []).map((member) => member.client))
        setSeen(without((client) => !present.has(client)))
      }),
    ]
    // Idle cursors fade: look again every second.
    const timer = setInterval(() => {
      setNow(Date.now())
    }, 1_000)
    return () => {
      clearInterval(timer)
      for (const off of offs) off()
      setSeen(new Map())
    }
  }, [sub])
  return [...seen.values()].map(({ member, x, y, movedAt }) => ({
    client: member.client,
    user: member.user,
    name: member.name,
    x,
    y,
    isIdle: now - movedAt > IDLE_MS,
  }))
}
