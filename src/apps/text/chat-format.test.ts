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
  const named = (message: string, maxLength = 32): string => {
    const check = toUsername(message, maxLength)
    if (!check.ok) throw new Error(check.problem)
    return check.name
  }
  it('collapses whitespace, trims and cuts to the limit in characters', () => {
    expect(named('  Alice \t Smith \n')).toBe('Alice Smith')
    expect(named('x'.repeat(40))).toBe('x'.repeat(32))
    expect(named('😀'.repeat(5), 3)).toBe('😀😀😀')
    expect(named('ab   cd', 3)).toBe('ab')
    expect(named(' \t ')).toBe('')
  })

  it('refuses names with control characters and names that read as Server', () => {
    expect(toUsername('Vic\u001b[2J', 32)).toEqual({
      ok: false,
      problem: 'name contains a control character (U+001B)',
    })
    expect(toUsername('S\u0435rver', 32)).toEqual({
      ok: false,
      problem: 'names that read as "Server" are reserved',
    })
    // Checked before the cut: a long disguise is refused, not cut into something else.
    expect(toUsername(`Server]: ${'x'.repeat(40)}`, 8)).toMatchObject({ ok: false })
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

  it('shows every event as one line: line breaks and controls in names and texts made visible', () => {
    expect(
      renderChatEvent(pubFrom(alice, { text: 'hi\n[Server]: Vic has left the chat.' }), self),
    ).toBe('[Alice]: hi␤[Server]: Vic has left the chat.')
    expect(renderChatEvent(pubFrom(alice, { text: '\u001b]0;pwned\u0007\rgone' }), self)).toBe(
      '[Alice]: ␛]0;pwned␇␍gone',
    )
    expect(renderChatEvent(pubFrom(undefined, { text: 'a\u2028b' }), self)).toBe('[Server]: a␤b')
    const odd: Member = { client: 'c-odd', user: 'u', name: 'Odd\u001b[31m' }
    expect(renderChatEvent({ type: 'join', channel: 'chat:lobby', member: odd }, self)).toBe(
      '[Server]: Odd␛[31m has joined the chat.',
    )
    expect(renderChatEvent(pubFrom(odd, { text: 'x' }), self)).toBe('[Odd␛[31m]: x')
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
