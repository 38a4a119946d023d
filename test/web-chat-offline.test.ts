/**
 * The chat web app across a server restart: the indicator shows reconnecting, a message sent
 * while offline waits, and goes out once after the reconnect; nobody sees anything twice.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { waitForText, waitForTexts } from './support/page-text.js'
import { BROWSER_TEST, openAs, saveScreenshot, startWebServer } from './support/web.js'

const shared = createMemoryBackend()
const start = (port = 0) => startWebServer({ port, engine: createMemoryEngine({ shared }) })

let browser: Browser
let server: HubbubServer

beforeAll(async () => {
  browser = await launchChromium()
  server = await start()
})
afterAll(async () => {
  await browser.close()
  await server.close()
})

const say = async (page: Page, text: string): Promise<void> => {
  const box = page.getByLabel('Message', { exact: true })
  await box.fill(text)
  await box.press('Enter')
}

/** The browser's own complaint about a refused WebSocket while the server is down. */
const isRefusedSocket = (error: string): boolean => /WebSocket connection to .* failed/.test(error)

it('sends a message written offline once, after reconnecting', BROWSER_TEST, async () => {
  const alice = await openAs(browser, server, '/chat/', { name: 'Alice' })
  const bob = await openAs(browser, server, '/chat/', { name: 'Bob' })
  for (const { page } of [alice, bob]) page.setDefaultTimeout(10_000)
  await waitForTexts(alice.page, '[data-testid=people] .person__name', ['Alice', 'Bob'])
  await say(alice.page, 'before')
  await waitForTexts(bob.page, '.message__text', ['before'])

  const { port } = server
  await server.close()
  await waitForText(alice.page, '[role=status]', 'Reconnecting…')
  await say(alice.page, 'written while offline')
  await alice.page.getByText('Waiting for the connection…').waitFor()
  await saveScreenshot(alice.page, 'web-chat-offline')

  server = await start(port)
  await waitForTexts(bob.page, '.message__text', ['before', 'written while offline'])
  await waitForText(alice.page, '[role=status]', 'Connected')
  await alice.page.locator('.message__state').waitFor({ state: 'detached' })
  // Both caught up: one more message each way, then nothing is there twice.
  await say(bob.page, 'welcome back')
  await waitForTexts(alice.page, '.message__text', [
    'before',
    'written while offline',
    'welcome back',
  ])
  await say(alice.page, 'thanks')
  await waitForTexts(bob.page, '.message__text', [
    'before',
    'written while offline',
    'welcome back',
    'thanks',
  ])
  await saveScreenshot(bob.page, 'web-chat-after-restart')
  for (const person of [alice, bob]) {
    await person.context.close()
    expect(person.errors.filter((error) => !isRefusedSocket(error))).toEqual([])
  }
})
