/**
 * The chat web app (`/chat/`) in Chromium, two or more people at once, each in a browser context
 * of their own, against a real server: what one does, the other sees.
 */
import { once } from 'node:events'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { textsOf, waitForTexts } from './support/page-text.js'
import {
  BROWSER_TEST,
  openAs,
  saveScreenshot,
  startWebServer,
  type OpenOptions,
  type Person,
} from './support/web.js'

const PEOPLE = '[data-testid=people] .person__name'
const MESSAGES = '.message__text'
const NOTICES = '.notice'

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

/** Opens the chat as a new person; with `name`, as one who chose it on an earlier visit. */
const enter = async (
  path: string,
  name?: string,
  options: Omit<OpenOptions, 'name'> = {},
): Promise<Person> => {
  const person = await openAs(
    browser,
    server,
    path,
    name === undefined ? options : { ...options, name },
  )
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}

const messageBox = (page: Page) => page.getByLabel('Message', { exact: true })

const say = async (page: Page, text: string): Promise<void> => {
  await messageBox(page).fill(text)
  await messageBox(page).press('Enter')
}

const waitForMessage = (page: Page, text: string) =>
  page.locator(MESSAGES, { hasText: text }).first().waitFor()

it(
  'shows messages, people, join and leave, and who is typing, to each other',
  BROWSER_TEST,
  async () => {
    const alice = await enter('/chat/')
    // A first visit asks for a name.
    await alice.page.getByLabel('Your name', { exact: true }).fill('Alice')
    await alice.page.getByRole('button', { name: 'Join the chat' }).click()
    await waitForTexts(alice.page, PEOPLE, ['Alice'])

    const bob = await enter('/chat/', 'Bob', { colorScheme: 'dark' })
    await waitForTexts(bob.page, PEOPLE, ['Bob', 'Alice'])
    await waitForTexts(alice.page, PEOPLE, ['Alice', 'Bob'])
    await waitForTexts(alice.page, NOTICES, ['Bob joined'])

    // Typing shows for the other, and clears by itself about 2 s after the last keystroke.
    await messageBox(bob.page).pressSequentially('Hel')
    const typing = alice.page.getByTestId('typing')
    await alice.page.getByText('Bob is typing…').waitFor()
    const shownAt = Date.now()
    await alice.page.getByText('Bob is typing…').waitFor({ state: 'hidden' })
    expect(Date.now() - shownAt).toBeGreaterThan(1_000)
    // Typing again shows it again; sending clears it at once, as the message arrives.
    await messageBox(bob.page).pressSequentially('lo Alice')
    await alice.page.getByText('Bob is typing…').waitFor()
    await messageBox(bob.page).press('Enter')
    await waitForMessage(alice.page, 'Hello Alice')
    expect(await typing.textContent()).toBe('')
    expect(await textsOf(bob.page, '[data-testid=typing]')).toEqual([''])

    await say(alice.page, 'Hi Bob')
    await waitForTexts(bob.page, MESSAGES, ['Hello Alice', 'Hi Bob'])

    // Bob's second tab is the same person: listed once, no second "joined".
    const bobTab = await bob.context.newPage()
    await bobTab.goto(`${server.url}/chat/`)
    await waitForTexts(bobTab, MESSAGES, ['Hello Alice', 'Hi Bob'])
    await say(bobTab, 'from my other tab')
    await waitForMessage(alice.page, 'from my other tab')
    expect(await textsOf(alice.page, PEOPLE)).toEqual(['Alice', 'Bob'])
    expect(await textsOf(alice.page, NOTICES)).toEqual(['Bob joined'])

    // Closing one tab: Bob is still there. Closing the last: Bob left.
    await bobTab.close()
    await say(bob.page, 'still here')
    await waitForMessage(alice.page, 'still here')
    expect(await textsOf(alice.page, PEOPLE)).toEqual(['Alice', 'Bob'])
    await saveScreenshot(alice.page, 'web-chat')
    await saveScreenshot(bob.page, 'web-chat-dark')
    await bob.page.close()
    await waitForTexts(alice.page, NOTICES, ['Bob joined', 'Bob left'])
    await waitForTexts(alice.page, PEOPLE, ['Alice'])
  },
)

it('loads history on entry, remembers the name, and keeps rooms apart', BROWSER_TEST, async () => {
  const alice = await enter('/chat/', 'Alice')
  await waitForTexts(alice.page, PEOPLE, ['Alice'])
  for (const text of ['one', 'two', 'three']) await say(alice.page, text)
  await alice.page.locator('.message--sending').waitFor({ state: 'detached' })

  const carol = await enter('/chat/', 'Carol', { isPhone: true })
  await waitForTexts(carol.page, MESSAGES, ['one', 'two', 'three'])

  // A reload: no name form, the same history, nothing twice.
  await alice.page.reload()
  await waitForTexts(alice.page, MESSAGES, ['one', 'two', 'three'])
  expect(await alice.page.getByLabel('Your name', { exact: true }).count()).toBe(0)

  // Another room by name: its own URL, people and messages.
  await carol.page.getByLabel('Join a room').fill('Games Night')
  await carol.page.getByRole('button', { name: 'Join', exact: true }).click()
  await carol.page.waitForURL(/\/chat\/\?room=games-night$/)
  await waitForTexts(carol.page, PEOPLE, ['Carol'])
  await waitForTexts(alice.page, PEOPLE, ['Alice'])
  await say(carol.page, 'anyone for chess?')
  await alice.page.goto(`${server.url}/chat/?room=games-night`)
  await waitForTexts(alice.page, MESSAGES, ['anyone for chess?'])
  await waitForTexts(carol.page, PEOPLE, ['Carol', 'Alice'])
  await saveScreenshot(carol.page, 'web-chat-phone')

  // Back goes back to the lobby.
  await carol.page.goBack()
  await waitForTexts(carol.page, MESSAGES, ['one', 'two', 'three'])
})

it(
  'shows plain WebSocket clients of /chat as people of the lobby, both ways',
  BROWSER_TEST,
  async () => {
    const alice = await enter('/chat/', 'Alice')
    await waitForTexts(alice.page, PEOPLE, ['Alice'])

    const lines: string[] = []
    const terminal = new WebSocket(`ws://localhost:${server.port}/chat`)
    terminal.on('message', (data: Buffer) => lines.push(data.toString('utf8')))
    await once(terminal, 'open')
    terminal.send('Dave')
    await waitForTexts(alice.page, PEOPLE, ['Alice', 'Dave'])
    await waitForTexts(alice.page, NOTICES, ['Dave joined'])

    terminal.send('hello from a terminal')
    await waitForMessage(alice.page, 'hello from a terminal')
    expect(await textsOf(alice.page, '.message__author')).toEqual(['Dave'])

    await say(alice.page, 'Hi Dave')
    await expect.poll(() => lines).toContain('[Alice]: Hi Dave')
    await saveScreenshot(alice.page, 'web-chat-plain')

    terminal.close()
    await waitForTexts(alice.page, NOTICES, ['Dave joined', 'Dave left'])
    await waitForTexts(alice.page, PEOPLE, ['Alice'])
  },
)
