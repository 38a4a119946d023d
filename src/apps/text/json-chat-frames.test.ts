import { describe, expect, it } from 'vitest'
import { decodeJsonChatInput, opensJsonChat } from './json-chat-frames.js'

describe('opensJsonChat', () => {
  it('takes a JSON object with a string type, and nothing else', () => {
    expect(opensJsonChat('{"type":"join","username":"Ann"}')).toBe(true)
    expect(opensJsonChat('  {"type":"anything"}')).toBe(true)
    for (const name of ['Alice', '{Alice}', '{"type":1}', '{"username":"Ann"}', '["type"]', '{'])
      expect(opensJsonChat(name)).toBe(false)
  })
})

describe('decodeJsonChatInput', () => {
  it('decodes the four messages, text or message as the text', () => {
    expect(decodeJsonChatInput('{"type":"join","username":"Ann"}')).toEqual({
      ok: true,
      input: { type: 'join', username: 'Ann' },
    })
    expect(decodeJsonChatInput('{"type":"message","text":"hi"}')).toEqual({
      ok: true,
      input: { type: 'message', text: 'hi', username: undefined },
    })
    expect(decodeJsonChatInput('{"type":"message","message":"hi","username":"A"}')).toEqual({
      ok: true,
      input: { type: 'message', text: 'hi', username: 'A' },
    })
    expect(decodeJsonChatInput('{"type":"typing"}')).toEqual({
      ok: true,
      input: { type: 'typing', username: undefined },
    })
    expect(decodeJsonChatInput('{"type":"stop_typing","username":"A"}')).toEqual({
      ok: true,
      input: { type: 'stop_typing', username: 'A' },
    })
  })

  it('says what is wrong with anything else', () => {
    const problem = (text: string): string => {
      const decoded = decodeJsonChatInput(text)
      if (decoded.ok) throw new Error(`decoded ${text}`)
      return decoded.problem
    }
    expect(problem('hello')).toBe('messages must be JSON objects')
    expect(problem('[]')).toBe('messages must be JSON objects')
    expect(problem('{"type":null}')).toBe('"type" must be a string')
    expect(problem('{"type":"join"}')).toBe('join needs a "username"')
    expect(problem('{"type":"join","username":["A"]}')).toBe('"username" must be a string')
    expect(problem('{"type":"message","text":1}')).toBe('"text" must be a string')
    expect(problem('{"type":"message"}')).toBe('message needs a "text"')
    expect(problem(`{"type":"${'x'.repeat(1_000)}"}`)).toMatch(/^unknown type "x{40}": use/)
  })
})
