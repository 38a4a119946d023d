/**
 * The web apps' name form checks a name as the server does: a name the server would refuse says
 * why and cannot be submitted, and a remembered name the server no longer takes is asked again.
 */
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { waitForTexts } from './support/page-text.js'
import { BROWSER_TEST, openAs, startWebServer, type Person } from './support/web.js'

const PEOPLE = '[data-testid=people] .person__name'

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

const enter = async (name?: string): Promise<Person> => {
  const person = await openAs(browser, server, '/chat/', name === undefined ? {} : { name })
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}

it(
  'the chat refuses Sеrver (Cyrillic е) in the name form, saying why, then joins as a good name',
  BROWSER_TEST,
  async () => {
    const mallory = await enter()
    const field = mallory.page.getByLabel('Your name', { exact: true })
    const join = mallory.page.getByRole('button', { name: 'Join the chat' })
    await field.fill('S\u0435rver')
    await mallory.page
      .getByRole('alert')
      .filter({ hasText: 'This name cannot be used: names that read as "Server" are reserved.' })
      .waitFor()
    expect(await join.isDisabled()).toBe(true)
    await field.fill('Mallory')
    expect(await mallory.page.getByRole('alert').count()).toBe(0)
    await join.click()
    await waitForTexts(mallory.page, PEOPLE, ['Mallory'])
  },
)

it('asks again for a remembered name the server would now refuse', BROWSER_TEST, async () => {
  const old = await enter('Admin')
  await old.page.getByLabel('Your name', { exact: true }).fill('Vic')
  await old.page.getByRole('button', { name: 'Join the chat' }).click()
  await waitForTexts(old.page, PEOPLE, ['Vic'])
})
