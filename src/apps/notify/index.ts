import { randomUUID } from 'node:crypto'
import { ErrorCode } from '../../protocol/index.js'
import {
  ReplyError,
  type App,
  type ChannelOptions,
  type HubApi,
  type RpcCaller,
} from '../../server/index.js'
import { createBackground, type Background } from '../shared/background.js'
import { createKeyedQueue } from '../shared/keyed-queue.js'
import { createObjectBudget } from '../shared/object-budget.js'
import { badRequest, readBoolean, readParams, readString, type Params } from '../shared/params.js'
import { createDemoSource, type DemoSource } from './demo.js'
import { createNotificationStore, type Inbox, type NotificationItem } from './store.js'

export type { NotificationItem, Inbox } from './store.js'
export type { DemoStopReason } from './demo.js'

/** Options of {@link createNotifyApp}. Every field is optional. */
export interface NotifyAppOptions {
  /** Notifications kept per user; older ones are forgotten. @default 100 */
  maxItemsPerUser?: number
  /** Shortest delay between two demo notifications. @default 5_000 */
  demoMinDelayMs?: number
  /** Longest delay between two demo notifications. @default 15_000 */
  demoMaxDelayMs?: number
  /** A demo stops by itself this long after it was enabled. @default 1_800_000 (30 min) */
  demoMaxLifetimeMs?: number
  /** Demos running at once on this node; more get `too_many_requests`. @default 1_000 */
  maxDemos?: number
  /**
   * Who may call `notify.send` to `user` (others get `forbidden`); the demo and
   * {@link NotifyApp.send} are not checked.
   * @default the server (an app, or a backend through the HTTP API) to anyone; a client only to itself
   */
  canSend?: (caller: RpcCaller, user: string) => boolean | Promise<boolean>
  /**
   * Inboxes kept (in State, forever): past it the least recently used inbox of a user who does
   * not watch it is deleted; when the oldest are all watched, a new one is `quota`. @default 10_000
   */
  maxInboxes?: number
  /** Sustained new inboxes per second per connection and per user (clients' `notify.send`). @default 1 */
  inboxCreatesPerSecond?: number
  /** New inboxes a connection or a user may create at once. @default 20 */
  inboxCreateBurst?: number
  /**
   * The channel notifications to everyone ({@link NotifyApp.sendToEveryone}, rpc
   * `notify.everyone`) travel through; anyone may subscribe, only the server publishes.
   * @default 'sys:notifications'
   */
  everyoneChannel?: string
}

export const notifyDefaults: Required<Omit<NotifyAppOptions, 'canSend'>> = {
  maxItemsPerUser: 100,
  demoMinDelayMs: 5_000,
  demoMaxDelayMs: 15_000,
  demoMaxLifetimeMs: 1_800_000,
  maxDemos: 1_000,
  maxInboxes: 10_000,
  inboxCreatesPerSecond: 1,
  inboxCreateBurst: 20,
  everyoneChannel: 'sys:notifications',
}

/** What the everyone channel's publications carry: one notification to everyone. */
export interface Announcement {
  /** A random UUID. */
  id: string
  title: string
  body: string
  /** When it was sent, ms since the Unix epoch. */
  time: number
}

/**
 * What `notify:<user>` publications carry. Every kind has the user's `unread` count after the
 * change, so a badge can follow any of them.
 */
export type NotifyEvent =
  | { kind: 'notification'; item: NotificationItem; unread: number }
  /** These items were marked read (`notify.read` or `notify.readAll`). */
  | { kind: 'read'; ids: string[]; unread: number }
  | { kind: 'dismissed'; id: string; unread: number }

/** The notify app, plus a trusted way for the embedding program to notify a user. */
export interface NotifyApp extends App {
  /**
   * Adds a notification to `user`'s inbox and publishes it, as `notify.send` does but without a
   * client: for backends and server code. Resolves with its id; rejects before `setup`.
   */
  send(user: string, draft: { title: string; body: string }): Promise<string>
  /**
   * Publishes a notification to everyone (an {@link Announcement} on `everyoneChannel`; no inbox
   * keeps it), as rpc `notify.everyone` does. Resolves with its id; rejects before `setup`.
   */
  sendToEveryone(draft: { title: string; body: string }): Promise<string>
}

const PREFIX = 'notify:'
const MAX_USER_LENGTH = 200

const readId = (params: Params): string => readString(params, 'id', { maxLength: 32 })
const notFound = (id: string): ReplyError =>
  new ReplyError(ErrorCode.NotFound, `no notification "${id}"`)

/**
 * Notifications (DESIGN.md §8): each user has a channel `notify:<user>` (the user id as the server
 * sees it, e.g. `anon:…`) carrying {@link NotifyEvent}s, and an inbox in State that survives
 * restarts. `notify.send` adds to an inbox when `canSend` allows (by default a client's own, and any for the server); `notify.list`,
 * `notify.read`, `notify.readAll` and `notify.dismiss` act on the caller's own inbox;
 * `notify.demo` switches a source of random notifications for the caller. One user's changes are
 * applied and published one at a time on this node; nodes of a cluster may change one inbox at
 * once (store.ts keeps the count exact).
 */
export const createNotifyApp = (options: NotifyAppOptions = {}): NotifyApp => {
  const o: Required<Omit<NotifyAppOptions, 'canSend'>> = {
    maxItemsPerUser: options.maxItemsPerUser ?? notifyDefaults.maxItemsPerUser,
    demoMinDelayMs: options.demoMinDelayMs ?? notifyDefaults.demoMinDelayMs,
    demoMaxDelayMs: options.demoMaxDelayMs ?? notifyDefaults.demoMaxDelayMs,
    demoMaxLifetimeMs: options.demoMaxLifetimeMs ?? notifyDefaults.demoMaxLifetimeMs,
    maxDemos: options.maxDemos ?? notifyDefaults.maxDemos,
    maxInboxes: options.maxInboxes ?? notifyDefaults.maxInboxes,
    inboxCreatesPerSecond: options.inboxCreatesPerSecond ?? notifyDefaults.inboxCreatesPerSecond,
    inboxCreateBurst: options.inboxCreateBurst ?? notifyDefaults.inboxCreateBurst,
    everyoneChannel: options.everyoneChannel ?? notifyDefaults.everyoneChannel,
  }
  const canSend = options.canSend ?? sendsToSelfOnly
  const queue = createKeyedQueue()
  let background: Background | undefined
  let demo: DemoSource | undefined
  let sendNow:
    ((user: string, draft: { title: string; body: string }) => Promise<string>) | undefined
  let announce: ((draft: { title: string; body: string }) => Promise<string>) | undefined
  return {
    name: 'notify',
    send(user, draft) {
      if (/\p{Cs}/u.test(user))
        return Promise.reject(badRequest('user must not hold a lone surrogate'))
      if (sendNow === undefined)
        return Promise.reject(new Error('the notify app is not set up (pass it to createServer)'))
      return sendNow(user, draft)
    },
    sendToEveryone(draft) {
      if (announce === undefined)
        return Promise.reject(new Error('the notify app is not set up (pass it to createServer)'))
      return announce(draft)
    },
    setup(hub) {
      const store = createNotificationStore(hub.state, {
        maxItems: o.maxItemsPerUser,
        now: () => Date.now(),
      })
      const work = createBackground(hub.log)
      background = work
      /**
       * Publishes `event`, then re-reads the unread count and, while it differs from the last one
       * published, publishes `{ kind: 'read', ids: [] }` with the new one: another node may have
       * changed the count before this publication was stored, and the channel's last
       * publication must carry a count read after the last change.
       */
      const publish = async (user: string, event: NotifyEvent): Promise<void> => {
        await hub.publish(`${PREFIX}${user}`, event)
        let told = event.unread
        for (;;) {
          const unread = await store.unread(user)
          if (unread === told) return
          await hub.publish(`${PREFIX}${user}`, { kind: 'read', ids: [], unread })
          told = unread
        }
      }
      const inboxes = createObjectBudget({
        maxObjects: o.maxInboxes,
        createsPerSecond: o.inboxCreatesPerSecond,
        createBurst: o.inboxCreateBurst,
        what: 'notification inboxes',
        isLive: (user) => isWatched(hub, user),
        evict: (user) => queue.run(user, () => store.clear(user)),
      })
      const send = async (
        user: string,
        draft: { title: string; body: string },
        caller?: RpcCaller,
      ): Promise<string> => {
        await inboxes.admit(user, caller)
        return await queue.run(user, async () => {
          const { item, unread } = await store.add(user, draft)
          await publish(user, { kind: 'notification', item, unread })
          return item.id
        })
      }
      sendNow = send

      hub.channel(`${PREFIX}*`, {
        historySize: 50,
        presence: true,
        joinLeave: false,
        // Only the user itself reads its notifications (subscribe, history, presence); only the
        // server (this app) publishes them.
        access: { subscribe: 'owner', publish: 'server' },
        backpressure: 'recover',
        state: async (channel): Promise<{ unread: number }> => ({
          unread: await store.unread(channel.slice(PREFIX.length)),
        }),
      } satisfies ChannelOptions)
      demo = createDemoSource({
        timing: {
          minDelayMs: o.demoMinDelayMs,
          maxDelayMs: o.demoMaxDelayMs,
          maxLifetimeMs: o.demoMaxLifetimeMs,
          maxDemos: o.maxDemos,
        },
        log: hub.log,
        background: work,
        isWatched: (user) => isWatched(hub, user),
        send: async (user, draft) => {
          await send(user, draft)
        },
      })
      const demos = demo

      hub.channel(o.everyoneChannel, {
        // Kept only so a slow reader can recover; nobody replays announcements.
        historySize: 50,
        presence: false,
        joinLeave: false,
        access: { publish: 'server' },
        backpressure: 'recover',
      } satisfies ChannelOptions)
      announce = async (draft) => {
        const id = randomUUID()
        await hub.publish(o.everyoneChannel, {
          id,
          ...draft,
          time: Date.now(),
        } satisfies Announcement)
        return id
      }
      const toEveryone = announce
      hub.rpc('notify.everyone', async (raw, caller): Promise<{ id: string }> => {
        const params = readParams(raw)
        if (!caller.isServer)
          throw new ReplyError(ErrorCode.Forbidden, 'only the server may notify everyone')
        const title = readString(params, 'title', { maxLength: 200 })
        const body = readString(params, 'body', { minLength: 0, maxLength: 2_000 })
        return { id: await toEveryone({ title, body }) }
      })

      hub.rpc('notify.send', async (raw, caller): Promise<{ id: string }> => {
        const params = readParams(raw)
        const user = readString(params, 'user', { maxLength: MAX_USER_LENGTH })
        if (!(await canSend(caller, user)))
          throw new ReplyError(ErrorCode.Forbidden, `you may not notify "${user}"`)
        const title = readString(params, 'title', { maxLength: 200 })
        const body = readString(params, 'body', { minLength: 0, maxLength: 2_000 })
        return { id: await send(user, { title, body }, caller) }
      })
      hub.rpc('notify.list', async (raw, { member }): Promise<Inbox> => {
        readParams(raw)
        return await queue.run(member.user, () => store.list(member.user))
      })
      const change = (action: 'read' | 'dismiss') => async (raw: unknown, caller: RpcCaller) => {
        const id = readId(readParams(raw))
        const { user } = caller.member
        return await queue.run(user, async (): Promise<{ unread: number }> => {
          const result = await store.change(user, id, action)
          if (result === undefined) throw notFound(id)
          const { unread } = result
          await publish(
            user,
            action === 'read'
              ? { kind: 'read', ids: [id], unread }
              : { kind: 'dismissed', id, unread },
          )
          return { unread }
        })
      }
      hub.rpc('notify.read', change('read'))
      hub.rpc('notify.dismiss', change('dismiss'))
      hub.rpc('notify.readAll', async (raw, { member }): Promise<{ unread: number }> => {
        readParams(raw)
        return await queue.run(member.user, async () => {
          const { ids, unread } = await store.markAllRead(member.user)
          if (ids.length > 0) await publish(member.user, { kind: 'read', ids, unread })
          return { unread }
        })
      })
      hub.rpc('notify.demo', (raw, { member }): { enabled: boolean } => {
        const enabled = readBoolean(readParams(raw), 'enabled')
        demos.set(member.user, enabled)
        return { enabled }
      })
    },
    async close() {
      demo?.stopAll()
      await background?.idle()
      await queue.idle()
    },
  }
}

/** The default `canSend`: the server may notify anyone, a client only itself. */
const sendsToSelfOnly = (caller: RpcCaller, user: string): boolean =>
  caller.isServer || caller.member.user === user

/** Whether some connection of `user` subscribes to `notify:<user>` (presence lists subscribers). */
const isWatched = async (hub: HubApi, user: string): Promise<boolean> => {
  const members = await hub.presence(`${PREFIX}${user}`)
  return members.some((member) => member.user === user)
}
