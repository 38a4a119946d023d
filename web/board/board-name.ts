/** The board everyone starts on. */
export const MAIN_BOARD = 'main'

/** What the server accepts as a board name. */
const VALID = /^[A-Za-z0-9_.-]{1,64}$/

/** The board named in a page URL's `?name=`, or the main board. */
export const boardFromUrl = (url: URL): string => {
  const name = url.searchParams.get('name') ?? ''
  return VALID.test(name) ? name : MAIN_BOARD
}

/** The page URL of a board. */
export const urlForBoard = (name: string): string => `/board/?name=${encodeURIComponent(name)}`
