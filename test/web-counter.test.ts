/**
 * The counter web app (`/counter/`) in Chromium: two people click at once and agree on every
 * increment; the keyboard works; the value survives a server restart (SQLite, as `hubbub serve`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSqliteEngine } from '../src/engine/sqlite.js'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { waitForText } from './support/page-text.js'
import { BROWSER_TEST, openAs, saveScreenshot, startWebServer, type Person } from './support/web.js'

const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-web-counter-'))
const start = (port = 0) =>
  startWebServer({ port, engine: createSqliteEngine({ file: join(dataDir, 'hubbub.db') }) })

let browser: Browser
let server: HubbubServer

beforeAll(async () => {
  browser = await launchChromium()
  server = await start()
})
afterAll(async () => {
  await browser.close()
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const VALUE = '[data-testid=value]'
const STATUS = '[role=status]'

const clickPlus = async (page: Page, times: number): Promise<void> => {
  const plus = page.getByRole('button', { name: 'Add one' })
  for (let i = 0; i < times; i += 1) await plus.click()
}

/** The browser's own complaint about a refused WebSocket while the server is down. */
const isRefusedSocket = (error: string): boolean => /WebSocket connection to .* failed/.test(error)

it(
  'keeps every click of two people clicking at once, and survives a restart',
  BROWSER_TEST,
  async () => {
    const ann: Person = await openAs(browser, server, '/counter/')
    const ben: Person = await openAs(browser, server, '/counter/', { colorScheme: 'dark' })
    for (const { page } of [ann, ben]) {
      page.setDefaultTimeout(10_000)
      await waitForText(page, VALUE, '0')
      await waitForText(page, STATUS, 'Connected')
    }

    await Promise.all([clickPlus(ann.page, 20), clickPlus(ben.page, 20)])
    await waitForText(ann.page, VALUE, '40')
    await waitForText(ben.page, VALUE, '40')

    // The keyboard: − and ↓ take one away, + and ↑ add one, wherever the focus is.
    for (const key of ['-', 'ArrowDown', '+', 'ArrowUp', 'ArrowUp'])
      await ann.page.keyboard.press(key)
    await waitForText(ben.page, VALUE, '41')
    await waitForText(ann.page, VALUE, '41')
    await saveScreenshot(ben.page, 'web-counter-dark')

    const { port } = server
    await server.close()
    await waitForText(ann.page, STATUS, 'Reconnecting…')
    expect(await ann.page.getByRole('button', { name: 'Add one' }).isDisabled()).toBe(true)
    server = await start(port)
    await waitForText(ann.page, STATUS, 'Connected')
    await waitForText(ann.page, VALUE, '41')
    await clickPlus(ben.page, 1)
    await waitForText(ann.page, VALUE, '42')
    await waitForText(ben.page, VALUE, '42')
    await saveScreenshot(ann.page, 'web-counter')

    for (const person of [ann, ben]) {
      await person.context.close()
      expect(person.errors.filter((error) => !isRefusedSocket(error))).toEqual([])
    }
  },
)
