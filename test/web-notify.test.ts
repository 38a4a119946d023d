/**
 * The notifications web app (`/notify/`) in Chromium against a real server (SQLite, as `hubbub
 * serve`): a backend notifies a person, who gets a toast and an unread badge in every tab; read
 * and dismiss reach every tab; the unread state survives a reload and a server restart; another
 * person's page, knowing the id, cannot read that inbox; and the demo source sends by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { bundledApps, createNotifyApp, type NotifyApp } from '../src/apps/index.js'
import { createSqliteEngine } from '../src/engine/sqlite.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { waitForText, waitForTexts } from './support/page-text.js'
import {
  BROWSER_TEST,
  openAs,
  saveScreenshot,
  startWebServer,
  WEB_DIR,
  type Person,
} from './support/web.js'

const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-web-notify-'))
/** The bundled apps with a notify app the test holds: it sends as a backend would. */
const start = (notify: NotifyApp, port = 0) =>
  startWebServer({
    port,
    engine: createSqliteEngine({ file: join(dataDir, 'hubbub.db') }),
    apps: bundledApps().map((app) => (app.name === 'notify' ? notify : app)),
  })

const BADGE = '[data-testid=unread-badge]'
const TOAST = '[data-testid=toast]'
const TITLES = '[data-testid=inbox] .note__title'
const UNREAD_TITLES = '[data-testid=inbox] .note--unread .note__title'

let browser: Browser
let server: HubbubServer | undefined
const people: Person[] = []

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
  rmSync(dataDir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const person of people.splice(0)) {
    await person.context.close()
    expect(person.errors.filter((error) => !isRefusedSocket(error))).toEqual([])
  }
  await server?.close()
  server = undefined
})

/** The browser's own complaint about a refused WebSocket while the server is down. */
const isRefusedSocket = (error: string): boolean => /WebSocket connection to .* failed/.test(error)

const enter = async (
  at: HubbubServer,
  options: Parameters<typeof openAs>[3] = {},
): Promise<Person> => {
  const person = await openAs(browser, at, '/notify/', options)
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}

/** The user id the page shows as its own, once connected. */
const ownId = async (page: Page): Promise<string> => {
  const id = await page.getByTestId('own-id').textContent()
  expect(id).toMatch(/^anon:/)
  return id ?? ''
}

/**
 * Brings `page` to the front and waits until no animation runs (toasts slide in), so that a
 * screenshot shows the page at rest. (A page behind another tab gets no animation frames.)
 */
const settled = async (page: Page): Promise<void> => {
  await page.bringToFront()
  await page.waitForFunction(
    "document.getAnimations().every((animation) => animation.playState !== 'running')",
    undefined,
    { polling: 50 },
  )
}

/** Sends the page's own user a notification with the page's form. */
const sendToSelf = async (page: Page, title: string, body: string): Promise<void> => {
  await page.getByLabel('Title').fill(title)
  await page.getByLabel('Message').fill(body)
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await waitForText(page, '[data-testid=send-outcome]', 'Sent to yourself.')
}

it(
  'a backend notifies a person: toast, badge in every tab, read, dismiss, reload and restart',
  BROWSER_TEST,
  async () => {
    const notify = createNotifyApp()
    server = await start(notify)
    const ann = await enter(server, { colorScheme: 'dark' })
    const ben = await enter(server)
    const benId = await ownId(ben.page)
    // A tab of the same browser is the same user, with the same inbox.
    const benTab = await ben.context.newPage()
    await benTab.goto(`${server.url}/notify/`)
    expect(await ownId(benTab)).toBe(benId)
    expect(await ownId(ann.page)).not.toBe(benId)
    await benTab.getByText('Nothing here yet').waitFor()

    await notify.send(benId, { title: 'Lunch?', body: 'Noon at the usual place.' })
    for (const page of [ben.page, benTab]) {
      await waitForTexts(page, `${TOAST} .toast__title`, ['Lunch?'])
      await waitForText(page, BADGE, '1')
      await waitForTexts(page, UNREAD_TITLES, ['Unread: Lunch?'])
    }
    await waitForText(ben.page, '[data-testid=unread-count]', '1 unread')
    expect(await ben.page.title()).toBe('(1) Notifications · hubbub')
    // Nothing for the sender.
    expect(await ann.page.locator(BADGE).count()).toBe(0)
    await notify.send(benId, { title: 'Build passed', body: 'main is green again.' })
    await ben.page.locator(`${TOAST}[data-id="2"]`).waitFor()
    const toastShownAt = Date.now()
    await waitForText(benTab, BADGE, '2')
    await waitForTexts(ben.page, TITLES, ['Unread: Build passed', 'Unread: Lunch?'])
    await settled(ben.page)
    await saveScreenshot(ben.page, 'web-notify')

    // Marking read in one tab drops the badge in the other, and the toast goes at once.
    await ben.page.getByRole('button', { name: 'Mark “Lunch?” read' }).click()
    await waitForText(benTab, BADGE, '1')
    await waitForTexts(benTab, TITLES, ['Unread: Build passed', 'Lunch?'])
    await waitForTexts(benTab, `${TOAST} .toast__title`, ['Build passed'])

    // Dismissing removes it everywhere. (Clicks wait for animation frames: the tab in front.)
    await benTab.bringToFront()
    await benTab.getByRole('button', { name: 'Dismiss “Lunch?”' }).click()
    await waitForTexts(ben.page, TITLES, ['Unread: Build passed'])
    await waitForText(ben.page, BADGE, '1')

    // The other toasts go by themselves after 5 s; the inbox keeps the notification.
    await ben.page.locator(TOAST).waitFor({ state: 'detached' })
    expect(Date.now() - toastShownAt).toBeGreaterThan(4_000)
    await benTab.locator(TOAST).waitFor({ state: 'detached' })
    await waitForTexts(ben.page, UNREAD_TITLES, ['Unread: Build passed'])

    // A reload keeps the unread state.
    await ben.page.reload()
    await waitForTexts(ben.page, UNREAD_TITLES, ['Unread: Build passed'])
    await waitForText(ben.page, BADGE, '1')

    // So does a restart of the server (SQLite): the pages reconnect and find it as it was.
    const { port } = server
    await server.close()
    await waitForText(ben.page, '[role=status]', 'Reconnecting…')
    server = await start(notify, port)
    await waitForText(ben.page, '[role=status]', 'Connected')
    await waitForTexts(ben.page, UNREAD_TITLES, ['Unread: Build passed'])
    await benTab.reload()
    await waitForTexts(benTab, UNREAD_TITLES, ['Unread: Build passed'])
    await waitForText(benTab, BADGE, '1')

    // Mark all read, from the keyboard.
    await ben.page.getByRole('button', { name: 'Mark all read' }).focus()
    await ben.page.keyboard.press('Enter')
    await benTab.locator(BADGE).waitFor({ state: 'detached' })
    await waitForText(benTab, '[data-testid=unread-count]', 'all read')
    expect(await benTab.title()).toBe('Notifications · hubbub')

    // Ann notes something for herself: it reaches her inbox, not Ben's.
    await ann.page.bringToFront()
    await sendToSelf(ann.page, 'Sounds good', 'See you at noon.')
    await waitForTexts(ann.page, `${TOAST} .toast__title`, ['Sounds good'])
    await waitForText(ann.page, BADGE, '1')
    await waitForTexts(benTab, TITLES, ['Build passed'])
    await ann.page.evaluate('window.scrollTo(0, 0)')
    await settled(ann.page)
    await saveScreenshot(ann.page, 'web-notify-dark')
  },
)

it(
  'keeps an inbox from another person who knows its id, in their browser',
  BROWSER_TEST,
  async () => {
    const notify = createNotifyApp()
    server = await start(notify)
    const ben = await enter(server)
    const benId = await ownId(ben.page)
    await notify.send(benId, { title: 'Private', body: 'for Ben only' })
    await waitForTexts(ben.page, UNREAD_TITLES, ['Unread: Private'])

    // Mallory saw Ben's id in a chat room. From her page she opens a WebSocket of her own, presents
    // the id as her credential, and asks for the inbox every way the protocol has.
    const mallory = await enter(server)
    const replies = await mallory.page.evaluate<
      Record<string, { user?: string; code?: string }>
    >(`new Promise((resolve, reject) => {
    const victim = ${JSON.stringify(benId)}
    const channel = 'notify:' + victim
    const ws = new WebSocket('ws://' + location.host + '/', 'hubbub.v1')
    const replies = {}
    ws.onerror = () => reject(new Error('socket failed'))
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'connect', id: 1, name: 'Mallory', credential: victim, anonId: victim }))
      ws.send(JSON.stringify({ type: 'subscribe', id: 2, channel }))
      ws.send(JSON.stringify({ type: 'history', id: 3, channel }))
      ws.send(JSON.stringify({ type: 'presence', id: 4, channel }))
      ws.send(JSON.stringify({ type: 'rpc', id: 5, method: 'notify.list', params: {} }))
    }
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data)
      if (frame.type !== 'reply') return
      replies[frame.id] = frame.result ?? frame.error
      if (Object.keys(replies).length === 5) {
        ws.close()
        resolve(replies)
      }
    }
  })`)
    expect(replies['1']?.user).toMatch(/^anon:/)
    expect(replies['1']?.user).not.toBe(benId)
    for (const id of ['2', '3', '4']) expect(replies[id]).toMatchObject({ code: 'forbidden' })
    expect(replies['5']).toEqual({ items: [], unread: 0 })
    // Nor can her own page be turned to it: it shows her own, empty inbox.
    expect(await ownId(mallory.page)).not.toBe(benId)
    await mallory.page.getByText('Nothing here yet').waitFor()
  },
)

it('sends demo notifications while the switch is on, and to oneself', BROWSER_TEST, async () => {
  // The bundled apps but for a demo that sends every 250-500 ms instead of every 5-15 s.
  server = await createServer({
    port: 0,
    staticDir: WEB_DIR,
    apps: [createNotifyApp({ demoMinDelayMs: 250, demoMaxDelayMs: 500 })],
    shutdownSpreadMs: 50,
    shutdownTimeoutMs: 1_000,
  })
  const cleo = await enter(server, { isPhone: true })
  await ownId(cleo.page)
  await cleo.page.getByText('Nothing here yet').waitFor()

  await cleo.page.getByLabel('Title').fill('Note to self')
  await cleo.page.getByLabel('Title').press('Enter')
  await waitForText(cleo.page, '[data-testid=send-outcome]', 'Sent to yourself.')
  await waitForTexts(cleo.page, UNREAD_TITLES, ['Unread: Note to self'])

  const demo = cleo.page.getByRole('switch', { name: 'Demo' })
  await demo.click()
  await cleo.page.locator('[role=switch][aria-checked=true]').waitFor()
  await cleo.page.locator(UNREAD_TITLES).nth(2).waitFor()
  await cleo.page.locator(TOAST).last().waitFor()
  await settled(cleo.page)
  await saveScreenshot(cleo.page, 'web-notify-phone')

  // The switch is remembered by the browser: a reload shows it on (and turns it on again).
  await cleo.page.reload()
  await cleo.page.locator('[role=switch][aria-checked=true]').waitFor()
  await demo.click()
  await cleo.page.locator('[role=switch][aria-checked=false]:not([disabled])').waitFor()
  await cleo.page.reload()
  await cleo.page.locator('[role=switch][aria-checked=false]').waitFor()
})
