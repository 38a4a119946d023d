import { useCallback, useReducer, useRef, useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useChannel } from '../src/use-client.ts'
import { inboxReducer, initialInbox, type InboxState } from './inbox-state.ts'
import { decodeEvent, decodeInbox, decodeUnread, type NotificationItem } from './notify-event.ts'

export interface InboxView extends InboxState {
  /** Marks one notification read (`notify.read`). */
  read: (id: string) => void
  /** Removes one (`notify.dismiss`). */
  dismiss: (id: string) => void
  /** Marks every one read (`notify.readAll`). */
  readAll: () => void
  /** Ids with a call on its way; `*` for mark-all-read. */
  pending: ReadonlySet<string>
  /** Why the last call failed, until the next succeeds. */
  error: string | undefined
}

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : 'the call failed'

/**
 * The inbox of `user` (this page's own: only its user may read `notify:<user>`): the list from
 * `notify.list` on every (re)subscribe, kept current by the channel's events, which every tab of
 * the user receives, this one included. `onArrival` hears each new notification as it arrives.
 */
export const useInbox = (
  client: Client,
  user: string,
  onArrival: (item: NotificationItem) => void,
): InboxView => {
  const [state, dispatch] = useReducer(inboxReducer, initialInbox)
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set())
  const [error, setError] = useState<string>()
  const arrival = useRef(onArrival)
  arrival.current = onArrival

  useChannel(client, `notify:${user}`, {}, (sub) => {
    let isFollowing = true
    const load = (): void => {
      client.rpc('notify.list', {}).then(
        (result) => {
          const inbox = decodeInbox(result)
          if (!isFollowing) return
          if (inbox === undefined) setError('the server sent an inbox of an unknown shape')
          else dispatch({ type: 'loaded', inbox })
        },
        (failure: unknown) => {
          // Loaded again on the next (re)subscribe; events keep the count current meanwhile.
          if (isFollowing) setError(`could not load the inbox: ${errorText(failure)}`)
        },
      )
    }
    const offs = [
      sub.on('subscribed', load),
      sub.on('state', (data) => {
        const unread = decodeUnread(data)
        if (unread !== undefined) dispatch({ type: 'unread', unread })
      }),
      sub.on('message', (pub) => {
        const event = decodeEvent(pub.data)
        if (event === undefined) {
          console.warn('ignored a notify event of an unknown shape', pub.data)
          return
        }
        dispatch({ type: 'event', event })
        if (event.kind === 'notification') arrival.current(event.item)
      }),
    ]
    return () => {
      isFollowing = false
      for (const off of offs) off()
    }
  })

  /** Calls `method`; the channel's event, not the reply, updates the inbox (in every tab). */
  const call = useCallback(
    (key: string, method: string, params: object) => {
      setPending((current) => new Set(current).add(key))
      client
        .rpc(method, params)
        .then(
          () => {
            setError(undefined)
          },
          (failure: unknown) => {
            setError(errorText(failure))
          },
        )
        .finally(() => {
          setPending((current) => {
            const next = new Set(current)
            next.delete(key)
            return next
          })
        })
    },
    [client],
  )

  return {
    ...state,
    pending,
    error,
    read: useCallback(
      (id: string) => {
        call(id, 'notify.read', { id })
      },
      [call],
    ),
    dismiss: useCallback(
      (id: string) => {
        call(id, 'notify.dismiss', { id })
      },
      [call],
    ),
    readAll: useCallback(() => {
      call('*', 'notify.readAll', {})
    }, [call]),
  }
}
