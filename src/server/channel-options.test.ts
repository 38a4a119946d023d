import { describe, expect, it } from 'vitest'
import { channelDefaults, createChannelRules } from './channel-options.js'

describe('channel rules', () => {
  it('gives unmatched channels the defaults', () => {
    expect(createChannelRules().resolve('anything')).toEqual(channelDefaults)
  })

  it('prefers the pattern with the most literal characters', () => {
    const rules = createChannelRules()
    rules.add('*', { historySize: 1 })
    rules.add('chat:*', { historySize: 2 })
    rules.add('chat:vip:*', { historySize: 3 })
    expect(rules.resolve('other').historySize).toBe(1)
    expect(rules.resolve('chat:lobby').historySize).toBe(2)
    expect(rules.resolve('chat:vip:1').historySize).toBe(3)
  })

  it('treats everything but * literally and re-resolves after a rule changes', () => {
    const rules = createChannelRules()
    rules.add('a.b', { echo: true })
    expect(rules.resolve('a.b').echo).toBe(true)
    expect(rules.resolve('axb').echo).toBe(false)
    rules.add('a.b', { echo: false })
    expect(rules.resolve('a.b').echo).toBe(false)
  })

  it('keeps defaults for options a rule leaves undefined', () => {
    const rules = createChannelRules()
    rules.add('x:*', { presence: false, historySize: undefined })
    expect(rules.resolve('x:1')).toMatchObject({ presence: false, historySize: 100 })
  })
})
