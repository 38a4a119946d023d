/**
 * The admin web app (`/admin/`) in Chromium against a real server with an API key: a wrong key
 * is refused and asked again, the right one shows a real WebSocket client in the node's numbers
 * and the busiest channels, disconnecting its user from the page closes it (4509) and lists the
 * disconnect, and publishing from the page reaches a subscriber.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import { CloseCode, createServer, type HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { waitForText } from './support/page-text.js'
import { TestClient } from './support/protocol-client.js'
import { BROWSER_TEST, openAs, WEB_DIR } from './support/web.js'

const KEY = 'admin-test-key-0123456789abcdef'

let browser: Browser
let server: HubbubServer
const clients: TestClient[] = []

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  for (const client of clients) client.ws.terminate()
  await browser.close()
  await server.close()
})

const start = async (options: { metricsRequireKey?: boolean } = {}): Promise<HubbubServer> => {
  server = await createServer({
    port: 0,
    apiKey: KEY,
    staticDir: WEB_DIR,
    apps: bundledApps(),
    ...options,
  })
  return server
}

const connectClient = async (name: string): Promise<TestClient> => {
  const client = await TestClient.connect(`ws://localhost:${server.port}/`, name)
  clients.push(client)
  return client
}

const enterKey = async (page: Page, key: string): Promise<void> => {
  await page.fill('input[name=key]', key)
  await page.click('button[type=submit]')
}

/** The text of the table row of `table` whose cells include `text`. */
const rowWith = (page: Page, table: string, text: string) =>
  page.locator(`[data-testid=${table}] tbody tr`, { hasText: text })

it(
  'refuses a wrong key, then shows, disconnects and publishes with the right one',
  BROWSER_TEST,
  async () => {
    await start()
    const alice = await connectClient('Alice')
    await alice.request({ type: 'subscribe', channel: 'room:busy' })
    const bob = await connectClient('Bob')
    await bob.request({ type: 'subscribe', channel: 'room:busy' })
    await bob.request({ type: 'subscribe', channel: 'room:quiet' })

    const { page, context } = await openAs(browser, server, '/admin/')
    page.setDefaultTimeout(10_000)
    await enterKey(page, 'not-the-key')
    await waitForText(
      page,
      '[role=alert]',
      'The server refused this API key. Check it and try again.',
    )
    await enterKey(page, KEY)

    await waitForText(page, '[data-testid=connections]', '2')
    await waitForText(page, '[data-testid=subscriptions]', '3')
    await waitForText(
      page,
      '[data-testid=channels-table] tbody tr:first-child td:first-child',
      'room:busy',
    )
    expect(
      await rowWith(page, 'channels-table', 'room:busy').locator('td').last().textContent(),
    ).toBe('2')
    expect(
      await rowWith(page, 'channels-table', 'room:quiet').locator('td').last().textContent(),
    ).toBe('1')
    // Two scrapes of /metrics 2 s apart give the rates.
    await page.waitForFunction(
      `/^[0-9]/.test(document.querySelector('[data-testid=deliveries-rate]')?.textContent ?? '')`,
    )
    // The key is in the tab's session storage, never in the URL.
    expect(page.url()).not.toContain(KEY)
    expect(await page.evaluate("sessionStorage.getItem('hubbub.admin.apiKey')")).toBe(KEY)

    // Disconnect Alice's user from the page: her connection really closes with 4509.
    const user = alice.member?.user ?? ''
    const disconnectForm = page.locator('form[aria-label="Disconnect a user"]')
    await disconnectForm.locator('input[name=user]').fill(user)
    await disconnectForm.locator('input[name=reason]').fill('banned for spam')
    await disconnectForm.locator('button[type=submit]').click()
    expect(await alice.closed).toEqual({ code: CloseCode.Disconnected, reason: 'banned for spam' })
    await waitForText(
      page,
      'form[aria-label="Disconnect a user"] [role=status]',
      `Disconnected 1 connection of ${user}.`,
    )
    const row = rowWith(page, 'disconnects-table', 'banned for spam')
    await row.waitFor()
    expect(await row.locator('td').allTextContents()).toEqual([
      expect.any(String),
      `${user} Alice`,
      String(CloseCode.Disconnected),
      'banned for spam',
      'server',
    ])
    await waitForText(page, '[data-testid=connections]', '1')

    // Publish from the page: Bob, subscribed, receives it.
    const publishForm = page.locator('form[aria-label="Publish"]')
    await publishForm.locator('input[name=channel]').fill('room:quiet')
    await publishForm.locator('textarea[name=data]').fill('{"text":"from the admin"}')
    await publishForm.locator('button[type=submit]').click()
    const frame = await bob.next('pub', (f) => f.channel === 'room:quiet')
    expect(frame.pub).toMatchObject({ seq: 1, data: { text: 'from the admin' } })
    await waitForText(
      page,
      'form[aria-label="Publish"] [role=status]',
      'Published to room:quiet as #1.',
    )

    await page.screenshot({ path: '/tmp/admin-light.png', fullPage: true })
    await context.close()
  },
)

it(
  'sends the key for /metrics when the server asks for it, and keeps it across a reload',
  BROWSER_TEST,
  async () => {
    await server.close()
    await start({ metricsRequireKey: true })
    const { page, context } = await openAs(browser, server, '/admin/', { colorScheme: 'dark' })
    page.setDefaultTimeout(10_000)
    await enterKey(page, KEY)
    await page.waitForFunction(
      `/^[0-9]/.test(document.querySelector('[data-testid=publications-rate]')?.textContent ?? '')`,
    )
    await page.reload()
    await waitForText(page, '[data-testid=connections]', '0')
    expect(await page.locator('input[name=key]').count()).toBe(0)
    await page.screenshot({ path: '/tmp/admin-dark.png', fullPage: true })
    await context.close()
  },
)
