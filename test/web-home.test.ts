/**
 * The home page (`/`) in Chromium, light and dark: the apps (built ones as links, the others
 * marked "coming soon"), the connection, and the server's version.
 */
import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { textsOf, waitForText, waitForTexts } from './support/page-text.js'
import { BROWSER_TEST, openAs, saveScreenshot, startWebServer } from './support/web.js'

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as {
  version: string
}

let browser: Browser
let server: HubbubServer

beforeAll(async () => {
  browser = await launchChromium()
  server = await startWebServer()
})
afterAll(async () => {
  await browser.close()
  await server.close()
})

it(
  'links the apps, shows the connection and the version, in light and dark',
  BROWSER_TEST,
  async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page, errors } = await openAs(browser, server, '/', { colorScheme })
      page.setDefaultTimeout(10_000)
      await waitForText(page, '[role=status]', 'Connected')
      await waitForText(page, '[data-testid=server-version]', `hubbub ${version}`)
      // Six apps: each one built is a link, each other one says it is coming soon.
      await waitForTexts(page, '.app-card .app-card__name', [
        'Chat',
        'Counter',
        'Buzzer',
        'Notifications',
        'Dashboard',
        'Whiteboard',
      ])
      const links = await textsOf(page, 'a.app-card .app-card__name')
      const soon = await textsOf(page, '.app-card--soon .app-card__name')
      expect(links).toEqual(expect.arrayContaining(['Chat', 'Counter']))
      expect([...links, ...soon].sort()).toEqual([
        'Buzzer',
        'Chat',
        'Counter',
        'Dashboard',
        'Notifications',
        'Whiteboard',
      ])
      expect(await page.getByText('Coming soon').count()).toBe(soon.length)
      await saveScreenshot(page, `web-home-${colorScheme}`)

      await page.getByRole('link', { name: /Counter/ }).click()
      await page.waitForURL(`${server.url}/counter/`)
      await waitForText(page, '[data-testid=value]', '0')
      await context.close()
      expect(errors).toEqual([])
    }
  },
)
