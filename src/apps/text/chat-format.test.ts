import { describe, expect, it } from 'vitest'
import type { Member } from '../../protocol/index.js'
import type { ChannelEvent } from '../../server/index.js'
import { renderChatEvent, toUsername } from './chat-format.js'

const self: Member = { client: 'c-self', user: 'anon:self', name: 'Me' }
const alice: Member = { client: 'c-alice', user: 'anon:alice', name: 'Alice' }
const pubFrom = (from: Member | undefined, data: unknown): ChannelEvent => ({
  type: 'pub',
  channel: 'chat:lobby',
  pub: { seq: 1, epoch: 'e', data, time: 0, ...(from === undefined ? {} : { from }) },
})

describe('toUsername', () => {
  it('collapses whitespace, trims and cuts to the limit in characters', () => {
    expect(toUsername('  Alice \t Smith \n', 32)).toBe('Alice Smith')
    expect(toUsername('x'.repeat(40), 32)).toBe('x'.repeat(32))
    expect(toUsername('😀'.repeat(5), 3)).toBe('😀😀😀')
    expect(toUsername('ab   cd', 3)).toBe('ab')
    expect(toUsername(' \t ', 32)).toBe('')
  })
})

describe('renderChatEvent', () => {
  it('shows text publications as [Name]: text, or [Server]: text without a sender', () => {
    expect(renderChatEvent(pubFrom(alice, { text: 'Hello everyone!' }), self)).toBe(
      '[Alice]: Hello everyone!',
    )
    expect(renderChatEvent(pubFrom(undefined, { text: 'Restarting' }), self)).toBe(
      '[Server]: Restarting',
    )
  })

  it('shows nothing for own publications, other data, signals and unsubscribes', () => {
    expect(renderChatEvent(pubFrom(self, { text: 'mine' }), self)).toBeUndefined()
    expect(renderChatEvent(pubFrom(alice, { text: 42 }), self)).toBeUndefined()
    expect(renderChatEvent(pubFrom(alice, 'bare string'), self)).toBeUndefined()
    const signal: ChannelEvent = { type: 'signal', channel: 'chat:lobby', from: alice, data: {} }
    expect(renderChatEvent(signal, self)).toBeUndefined()
    const removed: ChannelEvent = { type: 'unsubscribed', channel: 'c', code: 2000, reason: '' }
    expect(renderChatEvent(removed, self)).toBeUndefined()
  })

  it('announces others joining and leaving, not itself', () => {
    expect(renderChatEvent({ type: 'join', channel: 'chat:lobby', member: alice }, self)).toBe(
      '[Server]: Alice has joined the chat.',
    )
    expect(renderChatEvent({ type: 'leave', channel: 'chat:lobby', member: alice }, self)).toBe(
      '[Server]: Alice has left the chat.',
    )
    expect(renderChatEvent({ type: 'join', channel: 'chat:lobby', member: self }, self)).toBe(
      undefined,
    )
  })
})
