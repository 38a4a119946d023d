/**
 * The JSON chat dialect of `/chat`, as browser chat exercises speak it: one JSON object per
 * WebSocket message, keyed by `type`.
 */

/** What a JSON chat client may send, once decoded. */
export type JsonChatInput =
  | { type: 'join'; username: string }
  /** `text`, or `message` as some snippets call it; `username` lets a client join by its first message. */
  | { type: 'message'; text: string; username: string | undefined }
  | { type: 'typing'; username: string | undefined }
  | { type: 'stop_typing'; username: string | undefined }

/** What a JSON chat client receives. `timestamp` is ISO 8601. */
export type JsonChatOutput =
  | { type: 'message'; username: string; text: string; timestamp: string }
  | { type: 'join'; username: string }
  | { type: 'leave'; username: string }
  | { type: 'users'; users: string[] }
  | { type: 'typing'; username: string }
  | { type: 'stop_typing'; username: string }
  | { type: 'error'; message: string }

export type JsonChatDecoded = { ok: true; input: JsonChatInput } | { ok: false; problem: string }

const parseObject = (text: string): Record<string, unknown> | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // Not JSON: the caller says so to the client.
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return value as Record<string, unknown>
}

/**
 * Whether a `/chat` client's first message opens the JSON dialect: a JSON object with a string
 * `type`. Anything else is a line client's username.
 */
export const opensJsonChat = (message: string): boolean => {
  // Cheap test first: a line client's every name would otherwise be parsed.
  if (!message.trimStart().startsWith('{')) return false
  return typeof parseObject(message)?.type === 'string'
}

const optionalString = (
  object: Record<string, unknown>,
  field: string,
): { ok: true; value: string | undefined } | { ok: false; problem: string } => {
  const value = object[field]
  if (value === undefined) return { ok: true, value: undefined }
  if (typeof value !== 'string') return { ok: false, problem: `"${field}" must be a string` }
  return { ok: true, value }
}

/** The one validating decode of a JSON chat client's message. Never throws. */
export const decodeJsonChatInput = (text: string): JsonChatDecoded => {
  const object = parseObject(text)
  if (object === undefined) return { ok: false, problem: 'messages must be JSON objects' }
  const { type } = object
  if (typeof type !== 'string') return { ok: false, problem: '"type" must be a string' }
  const username = optionalString(object, 'username')
  if (!username.ok) return username
  switch (type) {
    case 'join':
      if (username.value === undefined) return { ok: false, problem: 'join needs a "username"' }
      return { ok: true, input: { type, username: username.value } }
    case 'message': {
      const text = optionalString(object, 'text')
      if (!text.ok) return text
      const message = optionalString(object, 'message')
      if (!message.ok) return message
      const said = text.value ?? message.value
      if (said === undefined) return { ok: false, problem: 'message needs a "text"' }
      return { ok: true, input: { type, text: said, username: username.value } }
    }
    case 'typing':
    case 'stop_typing':
      return { ok: true, input: { type, username: username.value } }
    default:
      return {
        ok: false,
        problem: `unknown type ${JSON.stringify(type.slice(0, 40))}: use join, message, typing or stop_typing`,
      }
  }
}

export const encodeJsonChatOutput = (output: JsonChatOutput): string => JSON.stringify(output)
