import type { BrowserContext } from 'playwright-core'

/**
 * Makes the hubbub WebSocket (`/`) of every page of `context` a slow link: each message waits
 * `oneWayMs` in each direction (in order), so a round trip takes at least twice that. Plain
 * endpoints and HTTP are untouched. Playwright relays the frames through the test process.
 */
export const slowLink = async (context: BrowserContext, oneWayMs: number): Promise<void> => {
  await context.routeWebSocket(
    (url) => url.pathname === '/',
    (page) => {
      const server = page.connectToServer()
      page.onMessage((message) => {
        setTimeout(() => {
          server.send(message)
        }, oneWayMs)
      })
      server.onMessage((message) => {
        setTimeout(() => {
          page.send(message)
        }, oneWayMs)
      })
    },
  )
}
