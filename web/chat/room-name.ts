/** The room everyone starts in; plain text clients on `/chat` are there too. */
export const LOBBY = 'lobby'

const MAX_ROOM_LENGTH = 32

/** A typed room name as a channel-safe one: lower case, `a-z 0-9 - _`; '' if nothing is left. */
export const cleanRoom = (typed: string): string =>
  typed
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .slice(0, MAX_ROOM_LENGTH)

/** The room named in a page URL's `?room=`, or the lobby. */
export const roomFromUrl = (url: URL): string =>
  cleanRoom(url.searchParams.get('room') ?? '') || LOBBY

/** The page URL for a room: the lobby is the bare `/chat/`. */
export const urlForRoom = (room: string): string =>
  room === LOBBY ? '/chat/' : `/chat/?room=${encodeURIComponent(room)}`
