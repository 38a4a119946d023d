import { useEffect, useRef, useState } from 'preact/hooks'
import type { Client, Subscription } from '../../src/client/index.ts'
import { connectHub } from './hub.ts'

/**
 * A client connected as `name` for as long as the component lives, a new one when the name
 * changes; none while there is no name yet.
 */
export const useClient = (name: string | undefined): Client | undefined => {
  const [client, setClient] = useState<Client>()
  useEffect(() => {
    if (name === undefined) return undefined
    const opened = connectHub(name)
    setClient(opened)
    return () => {
      setClient(undefined)
      opened.close()
    }
  }, [name])
  return client
}

/** Listens to a new subscription; returns what stops listening. */
export type Follow = (sub: Subscription) => () => void

/**
 * The subscription to `channel` while the component lives; unsubscribed when the channel
 * changes. `follow` gets the subscription the moment it is created, before any reply can arrive,
 * so its listeners see the first `subscribed` and `state` events too.
 */
export const useChannel = (
  client: Client,
  channel: string,
  options: { presence?: boolean },
  follow: Follow,
): Subscription | undefined => {
  const [sub, setSub] = useState<Subscription>()
  const latestFollow = useRef(follow)
  latestFollow.current = follow
  const wantsPresence = options.presence === true
  useEffect(() => {
    const opened = client.channel(channel, { presence: wantsPresence })
    const unfollow = latestFollow.current(opened)
    setSub(opened)
    return () => {
      unfollow()
      setSub(undefined)
      if (client.state !== 'closed')
        opened.unsubscribe().catch((error: unknown) => {
          console.warn(`could not leave ${channel}`, error)
        })
    }
  }, [client, channel, wantsPresence])
  return sub
}
