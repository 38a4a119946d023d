import { useEffect, useState } from 'preact/hooks'
import type { Member, Subscription } from '../../src/client/index.ts'
import { isTypingSignal, TYPING_EXPIRY_MS } from './typing.ts'

interface Typist {
  name: string
  client: string
  timer: ReturnType<typeof setTimeout>
}

/**
 * The names of the others typing in a room, in the order they started. Someone stops typing when
 * they say so, when their message arrives, when their connection leaves, or
 * {@link TYPING_EXPIRY_MS} after their last signal.
 */
export const useTypists = (sub: Subscription, self: string | undefined): string[] => {
  const [names, setNames] = useState<string[]>([])
  useEffect(() => {
    const typists = new Map<string, Typist>()
    const publish = (): void => {
      setNames([...typists.values()].map((typist) => typist.name))
    }
    const stop = (user: string): void => {
      const typist = typists.get(user)
      if (typist === undefined) return
      clearTimeout(typist.timer)
      typists.delete(user)
      publish()
    }
    const start = (from: Member): void => {
      const previous = typists.get(from.user)
      if (previous !== undefined) clearTimeout(previous.timer)
      const timer = setTimeout(() => {
        stop(from.user)
      }, TYPING_EXPIRY_MS)
      typists.set(from.user, { name: from.name, client: from.client, timer })
      if (previous?.name !== from.name) publish()
    }
    const offs = [
      sub.on('signal', ({ from, data }) => {
        if (from.user === self || !isTypingSignal(data)) return
        if (data.typing) start(from)
        else stop(from.user)
      }),
      sub.on('message', ({ from }) => {
        if (from !== undefined) stop(from.user)
      }),
      sub.on('leave', (member) => {
        if (typists.get(member.user)?.client === member.client) stop(member.user)
      }),
    ]
    return () => {
      for (const off of offs) off()
      for (const typist of typists.values()) clearTimeout(typist.timer)
    }
  }, [sub, self])
  return names
}
