/**
 * A tutorial's JSON chat snippet (a page served by this test) in Chromium next to the hubbub web
 * chat in Chromium, against one real server: each sees the other's messages, presence and typing.
 */
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { waitForTexts } from './support/page-text.js'
import { BROWSER_TEST, openAs, startWebServer, watchErrors, type Person } from './support/web.js'

const SNIPPET = readFileSync(new URL('./snippets/json-chat.html', import.meta.url), 'utf8')
const PEOPLE = '[data-testid=people] .person__name'
const MESSAGES = '.message__text'

let browser: Browser
let server: HubbubServer
let pages: Server
let pagesUrl: string
const people: Person[] = []

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})
beforeEach(async () => {
  server = await startWebServer()
  const wsUrl = `${server.url.replace(/^http/, 'ws').replace('127.0.0.1', 'localhost')}/chat`
  // The snippet comes from an origin of its own, as a student's page would.
  pages = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(SNIPPET.replace('__WS_URL__', wsUrl))
  })
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
})
afterEach(async () => {
  for (const person of people.splice(0)) {
    await person.context.close()
    expect(person.errors).toEqual([])
  }
  await new Promise((resolve) => pages.close(resolve))
  await server.close()
})

const openSnippet = async (name: string): Promise<Person> => {
  const context = await browser.newContext()
  const errors: string[] = []
  context.on('weberror', (error) => errors.push(error.error().message))
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  watchErrors(page, errors)
  await page.goto(`${pagesUrl}/?name=${encodeURIComponent(name)}`)
  const person = { context, page, errors }
  people.push(person)
  return person
}

it(
  'shows the snippet’s messages and typing in the web chat, and the web chat’s in the snippet',
  BROWSER_TEST,
  async () => {
    const alice = await openAs(browser, server, '/chat/', { name: 'Alice' })
    alice.page.setDefaultTimeout(10_000)
    people.push(alice)
    await waitForTexts(alice.page, PEOPLE, ['Alice'])

    const sam = await openSnippet('Sam')
    await waitForTexts(sam.page, '.user', ['Alice', 'Sam'])
    await waitForTexts(alice.page, PEOPLE, ['Alice', 'Sam'])

    // The snippet types: the web chat shows it, and clears it once the snippet stops.
    await sam.page.locator('#input').pressSequentially('Hi Ali')
    await alice.page.getByText('Sam is typing…').waitFor()
    await alice.page.getByText('Sam is typing…').waitFor({ state: 'hidden' })
    await sam.page.locator('#input').pressSequentially('ce')
    await alice.page.getByText('Sam is typing…').waitFor()
    await sam.page.locator('#send').click()
    await waitForTexts(alice.page, MESSAGES, ['Hi Alice'])
    await alice.page.getByText('Sam is typing…').waitFor({ state: 'hidden' })
    // The snippet shows its own message as the server sends it back.
    await waitForTexts(sam.page, '.message', ['Sam: Hi Alice'])

    // The web chat types: the snippet shows it, and clears it when the web chat stops.
    const box = alice.page.getByLabel('Message', { exact: true })
    await box.pressSequentially('Hello S')
    await sam.page.getByText('Alice is typing...').waitFor()
    await sam.page.getByText('Alice is typing...').waitFor({ state: 'hidden' })
    await box.pressSequentially('am')
    await box.press('Enter')
    await waitForTexts(sam.page, '.message', ['Sam: Hi Alice', 'Alice: Hello Sam'])
    expect(await sam.page.locator('#typing').textContent()).toBe('')

    // Leaving: the web chat's people list loses the snippet, and the other way round.
    await sam.page.close()
    await waitForTexts(alice.page, PEOPLE, ['Alice'])
    const tom = await openSnippet('Tom')
    await waitForTexts(tom.page, '.user', ['Alice', 'Tom'])
    await alice.page.close()
    await tom.page.locator('.notice', { hasText: 'Alice left' }).waitFor()
    await waitForTexts(tom.page, '.user', ['Tom'])
  },
)
