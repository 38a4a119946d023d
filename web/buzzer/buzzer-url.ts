/** The room plain `/buzzer` clients play in, and the page's room when the URL names none. */
export const MAIN_ROOM = 'main'

const MAX_ROOM_LENGTH = 64

/** What the page shows: a room, as a player or as its host. */
export interface BuzzerPlace {
  room: string
  isHost: boolean
}

/** A typed room name as one the server accepts (`A-Z a-z 0-9 _ . -`); '' if nothing is left. */
export const cleanRoom = (typed: string): string =>
  typed
    .trim()
    .replace(/\s+/g, '-')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .slice(0, MAX_ROOM_LENGTH)

/** The place named by a page URL: `?room=` (else `main`) and `?host=1` for the host view. */
export const placeFromUrl = (url: URL): BuzzerPlace => {
  const room = cleanRoom(url.searchParams.get('room') ?? '')
  const host = url.searchParams.get('host')
  return { room: room === '' ? MAIN_ROOM : room, isHost: host === '1' || host === 'true' }
}

/** The page URL of a place; the main room's player view is the bare `/buzzer/`. */
export const urlForPlace = ({ room, isHost }: BuzzerPlace): string => {
  const params = new URLSearchParams()
  if (room !== MAIN_ROOM) params.set('room', room)
  if (isHost) params.set('host', '1')
  const query = params.toString()
  return query === '' ? '/buzzer/' : `/buzzer/?${query}`
}
