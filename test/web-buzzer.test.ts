/**
 * The buzzer web app (`/buzzer/`) in Chromium against a real server: a host runs rounds, players
 * (each in a browser context of their own, one on a slow link) buzz with the button or the space
 * bar, and a plain `/buzzer` WebSocket client plays in the same round of room `main`.
 */
import { once } from 'node:events'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { textsOf, waitForText, waitForTexts } from './support/page-text.js'
import { slowLink } from './support/slow-link.js'
import {
  BROWSER_TEST,
  openAs,
  saveScreenshot,
  startWebServer,
  type OpenOptions,
  type Person,
} from './support/web.js'

/** Each way, for the player on a slow link: a round trip of at least 200 ms. */
const SLOW_ONE_WAY_MS = 100

const ROUND = '[data-testid=round]'
const VERDICT = '[data-testid=verdict]'
const NAMES = '[data-testid=ranking] .ranking__player'
const BEHIND = '[data-testid=ranking] .ranking__behind'
const COMPENSATION = '[data-testid=ranking] .ranking__compensation'

let browser: Browser
let server: HubbubServer
const people: Person[] = []

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})
beforeEach(async () => {
  server = await startWebServer()
})
afterEach(async () => {
  for (const person of people.splice(0)) {
    await person.context.close()
    expect(person.errors).toEqual([])
  }
  await server.close()
})

/** Opens `path` as a new person who chose `name` on an earlier visit. */
const enter = async (path: string, name: string, options: OpenOptions = {}): Promise<Person> => {
  const person = await openAs(browser, server, path, { ...options, name })
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}

/** As {@link enter}, with every hubbub frame delayed {@link SLOW_ONE_WAY_MS} each way. */
const enterSlow = async (path: string, name: string, options: OpenOptions = {}) => {
  // The home page first: it has no buzzer, and nothing there asks for a missing icon.
  const person = await enter('/', name, options)
  await slowLink(person.context, SLOW_ONE_WAY_MS)
  await person.page.goto(`${server.url}${path}`)
  return person
}

const phaseOf = (page: Page) => page.locator(ROUND).getAttribute('data-phase')

const waitForPhase = (page: Page, phase: string) =>
  page.locator(`${ROUND}[data-phase=${phase}]`).waitFor()

/** The credit the page measured and will send, in ms, once it has measured. */
const creditOf = async (page: Page): Promise<number> => {
  const text = await page.getByTestId('credit').textContent({ timeout: 10_000 })
  return Number.parseFloat(text ?? '')
}

/** Milliseconds from a cell such as `12.3 ms` or `+0.042 s`. */
const msOf = (text: string): number =>
  text.endsWith(' ms') ? Number.parseFloat(text) : Number.parseFloat(text.slice(1)) * 1_000

const plainPlayer = async () => {
  const ws = new WebSocket(`ws://localhost:${server.port}/buzzer`)
  const lines: string[] = []
  ws.on('message', (data: Buffer) => lines.push(data.toString('utf8')))
  await once(ws, 'open')
  return {
    ws,
    buzz: async (): Promise<string> => {
      const count = lines.length
      ws.send('buzz')
      await expect.poll(() => lines.length).toBeGreaterThan(count)
      return lines[count] ?? ''
    },
  }
}

it(
  'runs a hosted round: players, one on a slow link, and a terminal; all see the ranking',
  BROWSER_TEST,
  async () => {
    const host = await enter('/buzzer/?host=1', 'Hana')
    const ann = await enter('/buzzer/', 'Ann', { isPhone: true })
    const ben = await enterSlow('/buzzer/', 'Ben', { colorScheme: 'dark' })

    await waitForText(host.page, '.panel__title', 'Hosting main')
    await waitForTexts(host.page, '[data-testid=players] .player-chip', ['Ann', 'Ben'])
    // Each page measured its round trip: the slow one is credited half of it.
    expect(await creditOf(ann.page)).toBeLessThan(SLOW_ONE_WAY_MS)
    const benCredit = await creditOf(ben.page)
    expect(benCredit).toBeGreaterThanOrEqual(SLOW_ONE_WAY_MS)
    expect(await phaseOf(ann.page)).toBe('free')

    await host.page.getByRole('button', { name: 'Open round' }).click()
    await waitForPhase(ann.page, 'open')
    await waitForPhase(ben.page, 'open')
    const terminal = await plainPlayer()

    // Ann on the space bar, Ben with the mouse once Ann has placed, then the terminal.
    await ann.page.keyboard.press('Space')
    await waitForText(ann.page, VERDICT, 'First place!')
    await waitForTexts(host.page, NAMES, ['Ann'])
    await ben.page.getByRole('button', { name: 'Buzz!' }).click()
    await ben.page.getByText(/^\d\.\d+ s slower$/).waitFor()
    expect(await ben.page.getByRole('button', { name: 'Buzzed' }).isDisabled()).toBe(true)
    expect(await terminal.buzz()).toMatch(/^Response time: \d\.\d\d sec slower\.$/)

    await waitForTexts(host.page, NAMES, ['Ann', 'Ben', 'Player 1'])
    const behind = await textsOf(host.page, BEHIND)
    expect(behind[0]).toBe('first')
    expect(behind.slice(1)).toEqual([
      expect.stringMatching(/^\+\d\.\d+ s$/),
      expect.stringMatching(/^\+\d\.\d+ s$/),
    ])
    expect(msOf(behind[2] ?? '')).toBeGreaterThanOrEqual(msOf(behind[1] ?? ''))
    const [annCompensation, benCompensation, terminalCompensation] = await textsOf(
      host.page,
      COMPENSATION,
    )
    expect(msOf(annCompensation ?? '')).toBeLessThan(SLOW_ONE_WAY_MS)
    // The server credited what Ben's page said it would.
    expect(msOf(benCompensation ?? '')).toBe(benCredit)
    expect(terminalCompensation).toBe('none')
    // Ben's page says how much was credited, as the host sees it.
    expect(await ben.page.getByTestId('compensation').textContent()).toBe(benCompensation)
    await host.page.locator('.player-chip--buzzed').nth(1).waitFor()

    // The players see the same ranking, their own line marked.
    await waitForTexts(ann.page, NAMES, ['Ann', 'Ben', 'Player 1'])
    await waitForTexts(ben.page, '.ranking__row--own .ranking__player', ['Ben'])
    await saveScreenshot(host.page, 'web-buzzer-host')
    await saveScreenshot(ann.page, 'web-buzzer-phone')
    await saveScreenshot(ben.page, 'web-buzzer-dark')

    // Closed: nobody buzzes, the terminal neither; the next round starts clean for everyone.
    await host.page.getByRole('button', { name: 'Close round' }).click()
    await waitForPhase(ann.page, 'closed')
    expect(await terminal.buzz()).toBe('The round is closed.')
    await host.page.getByRole('button', { name: 'Open next round' }).click()
    await waitForPhase(ben.page, 'open')
    await ann.page.locator(VERDICT).waitFor({ state: 'detached' })
    await ben.page.locator(VERDICT).waitFor({ state: 'detached' })
    await host.page.getByTestId('ranking-empty').waitFor()
    expect(await terminal.buzz()).toBe('First place!')
    await ben.page.keyboard.press('Space')
    await ben.page.getByText(/^\d\.\d+ s slower$/).waitFor()
    await waitForTexts(host.page, NAMES, ['Player 1', 'Ben'])
    terminal.ws.close()
  },
)

it(
  'plays without a host, counts two tabs as one player, and keeps rooms apart',
  BROWSER_TEST,
  async () => {
    const cleo = await enter('/buzzer/?room=quiz', 'Cleo')
    const dan = await enter('/buzzer/?room=quiz', 'Dan', { colorScheme: 'dark' })
    await waitForText(cleo.page, '.panel__title', 'Room quiz')
    await waitForPhase(dan.page, 'free')

    // Cleo's second tab is the same player: her buzz in one counts for both.
    const cleoTab = await cleo.context.newPage()
    await cleoTab.goto(`${server.url}/buzzer/?room=quiz`)
    await cleoTab.getByTestId('credit').waitFor()
    await cleo.page.getByTestId('credit').waitFor()
    // Actions wait for animation frames, which only the tab in front gets.
    await cleo.page.bringToFront()
    await cleo.page.getByRole('button', { name: 'Buzz!' }).press('Enter')
    await waitForText(cleo.page, VERDICT, 'First place!')
    // The first buzz opened a round that closes by itself.
    await waitForPhase(dan.page, 'open')
    await waitForText(cleoTab, VERDICT, 'First place!')
    expect(await cleoTab.getByRole('button', { name: 'Buzzed' }).isDisabled()).toBe(true)
    await dan.page.getByRole('button', { name: 'Buzz!' }).click()
    await dan.page.getByText(/^\d\.\d+ s slower$/).waitFor()
    await waitForTexts(cleoTab, NAMES, ['Cleo', 'Dan'])

    // The host switch and the room form change the URL; room main knows nothing of quiz.
    await dan.page.getByRole('button', { name: 'Host' }).click()
    await dan.page.waitForURL(/\/buzzer\/\?room=quiz&host=1$/)
    await waitForTexts(dan.page, NAMES, ['Cleo', 'Dan'])
    await dan.page.getByLabel('Go to room').fill('main')
    await dan.page.getByLabel('Go to room').press('Enter')
    await dan.page.waitForURL(/\/buzzer\/\?host=1$/)
    await waitForText(dan.page, '.panel__title', 'Hosting main')
    await dan.page.getByTestId('ranking-empty').waitFor()
    await cleo.page.bringToFront()
    await saveScreenshot(cleo.page, 'web-buzzer-free-play')
    await dan.page.goBack()
    await waitForTexts(dan.page, NAMES, ['Cleo', 'Dan'])
  },
)
