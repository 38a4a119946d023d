import type { App, ChannelOptions } from '../../server/index.js'

/** Channel options of every chat room, `chat:<room>` (DESIGN.md §8). */
export const chatChannelOptions: ChannelOptions = {
  historySize: 200,
  historyTtlMs: 24 * 60 * 60 * 1_000,
  presence: true,
  joinLeave: true,
  backpressure: 'recover',
}

/**
 * The chat app: rooms are channels `chat:<room>` whose publications carry `{ text }`, with
 * history for late joiners, presence and join/leave events.
 */
export const createChatApp = (): App => ({
  name: 'chat',
  setup(hub) {
    hub.channel('chat:*', chatChannelOptions)
  },
})
