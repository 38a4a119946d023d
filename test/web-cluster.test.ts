/**
 * The web apps on two `hubbub serve --redis` nodes, as a user runs them (child processes on one
 * real redis-server): a person in Chromium on each node, in the chat, the counter and the buzzer,
 * sees what the other does, typing and presence included; a plain `/buzzer` client plays too;
 * behind nginx, a browser whose node is killed goes on on the other node.
 */
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { launchChromium } from './support/browser.js'
import { useServeProcesses, type Served } from './support/cli-process.js'
import { textsOf, waitForText, waitForTexts } from './support/page-text.js'
import { plainBuzzer } from './support/plain-buzzer.js'
import { disposeRedisServer, startRedisServer, type RedisServer } from './support/redis-server.js'
import { startReverseProxy, type ReverseProxy } from './support/reverse-proxy.js'
import { BROWSER_TEST, openAs, saveScreenshot, type Person } from './support/web.js'

const SECRET = 'web-cluster-secret-0123456789abcdef-0123'
const { serve } = useServeProcesses()
let browser: Browser
let redis: RedisServer
const people: Person[] = []
const proxies: ReverseProxy[] = []

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})
afterEach(async () => {
  for (const person of people.splice(0)) {
    await person.context.close()
    expect(person.errors).toEqual([])
  }
  for (const proxy of proxies.splice(0)) await proxy.stop()
  await disposeRedisServer(redis)
})

const twoNodes = async (): Promise<[Served, Served]> => {
  redis = await startRedisServer()
  const node = () =>
    serve(['--redis', redis.url, '--secret', SECRET, '--port', '0', '--host', '127.0.0.1'])
  return [await node(), await node()]
}

const open = async (served: Served, path: string, name?: string): Promise<Person> => {
  const person = await openAs(
    browser,
    { url: `http://127.0.0.1:${String(served.port)}` },
    path,
    name === undefined ? {} : { name },
  )
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}

it(
  'chat: people on two nodes see each other, their messages and their typing',
  BROWSER_TEST,
  async () => {
    const [a, b] = await twoNodes()
    const alice = await open(a, '/chat/', 'Alice')
    const bob = await open(b, '/chat/', 'Bob')
    const PEOPLE = '[data-testid=people] .person__name'
    await waitForTexts(alice.page, PEOPLE, ['Alice', 'Bob'])
    await waitForTexts(bob.page, PEOPLE, ['Bob', 'Alice'])
    const box = (person: Person) => person.page.getByLabel('Message', { exact: true })
    await box(bob).pressSequentially('Hel')
    await alice.page.getByText('Bob is typing…').waitFor()
    await box(bob).pressSequentially('lo from node B')
    await box(bob).press('Enter')
    await box(alice).fill('Hi from node A')
    await box(alice).press('Enter')
    for (const person of [alice, bob])
      await waitForTexts(person.page, '.message__text', ['Hello from node B', 'Hi from node A'])
    await saveScreenshot(alice.page, 'web-cluster-chat')
  },
)

it('counter: clicks on two nodes add up, and both show the sum', BROWSER_TEST, async () => {
  const [a, b] = await twoNodes()
  const ann = await open(a, '/counter/')
  const ben = await open(b, '/counter/')
  for (const { page } of [ann, ben]) await waitForText(page, '[role=status]', 'Connected')
  const plus = (person: Person) => person.page.getByRole('button', { name: 'Add one' })
  await Promise.all(
    [ann, ben].map(async (person) => {
      for (let i = 0; i < 10; i++) await plus(person).click()
    }),
  )
  for (const { page } of [ann, ben]) await waitForText(page, '[data-testid=value]', '20')
})

it(
  'chat through nginx: kill -9 the node a browser is on, and it goes on on the other, nothing lost or repeated',
  BROWSER_TEST,
  async () => {
    const [a, b] = await twoNodes()
    const proxy = await startReverseProxy('nginx', [a.port, b.port])
    proxies.push(proxy)
    const enter = async (name: string): Promise<Person> => {
      const person = await openAs(browser, { url: proxy.url }, '/chat/', { name })
      person.page.setDefaultTimeout(15_000)
      people.push(person)
      return person
    }
    const alice = await enter('Alice')
    const bob = await enter('Bob')
    await waitForTexts(alice.page, '[data-testid=people] .person__name', ['Alice', 'Bob'])
    const box = (person: Person) => person.page.getByLabel('Message', { exact: true })
    const say = async (person: Person, text: string): Promise<void> => {
      await box(person).fill(text)
      await box(person).press('Enter')
    }
    await say(alice, 'before')
    await waitForTexts(bob.page, '.message__text', ['before'])
    // The node holding more of the two browsers' sockets (at least one) dies without a word.
    const connections = async (served: Served): Promise<number> => {
      const health = (await (
        await fetch(`http://127.0.0.1:${String(served.port)}/healthz`)
      ).json()) as { connections: number }
      return health.connections
    }
    const [onA, onB] = [await connections(a), await connections(b)]
    expect(onA + onB).toBe(2)
    const victim = onA >= onB ? a : b
    victim.child.kill('SIGKILL')
    await say(bob, 'after, from Bob')
    await say(alice, 'after, from Alice')
    // A message may wait in its sender's outbox while the sender reconnects: each browser shows
    // all three once, and both in one order.
    const all = ['before', 'after, from Alice', 'after, from Bob']
    const orders = await Promise.all(
      [alice, bob].map(async (person) => {
        await expect
          .poll(async () => (await textsOf(person.page, '.message__text')).sort(), {
            timeout: 15_000,
          })
          .toEqual([...all].sort())
        return textsOf(person.page, '.message__text')
      }),
    )
    expect(orders[0]?.[0]).toBe('before')
    expect([...(orders[0] ?? [])].sort()).toEqual([...all].sort())
    expect(orders[1]).toEqual(orders[0])
    await saveScreenshot(bob.page, 'web-cluster-failover')
  },
)

it(
  'buzzer: a host on node A, players on both nodes and a terminal on B share one round',
  BROWSER_TEST,
  async () => {
    const [a, b] = await twoNodes()
    const NAMES = '[data-testid=ranking] .ranking__player'
    const VERDICT = '[data-testid=verdict]'
    const host = await open(a, '/buzzer/?host=1', 'Hana')
    const ann = await open(a, '/buzzer/', 'Ann')
    const ben = await open(b, '/buzzer/', 'Ben')
    await waitForText(host.page, '.panel__title', 'Hosting main')
    await waitForTexts(host.page, '[data-testid=players] .player-chip', ['Ann', 'Ben'])
    await host.page.getByRole('button', { name: 'Open round' }).click()
    for (const { page } of [ann, ben])
      await page.locator('[data-testid=round][data-phase=open]').waitFor()

    // Ben on node B first, then Ann on node A, then a plain client of node B.
    await ben.page.keyboard.press('Space')
    await waitForText(ben.page, VERDICT, 'First place!')
    await ann.page.getByRole('button', { name: 'Buzz!' }).click()
    await ann.page.getByText(/^\d+\.\d+ s slower$/).waitFor()
    const ws = new WebSocket(`ws://127.0.0.1:${String(b.port)}/buzzer`)
    const terminal = await plainBuzzer(ws)
    expect(await terminal.buzz()).toMatch(/^Response time: \d+\.\d\d sec slower\.$/)
    for (const { page } of [host, ann, ben])
      await waitForTexts(page, NAMES, ['Ben', 'Ann', 'Player 1'])
    await saveScreenshot(host.page, 'web-cluster-buzzer')

    // The host's reset on node A clears the round for the players of node B.
    await host.page.getByRole('button', { name: 'Reset' }).click()
    await ben.page.locator('[data-testid=round][data-phase=waiting]').waitFor()
    expect(await ben.page.locator(NAMES).count()).toBe(0)
    expect(await terminal.buzz()).toBe('The round is closed.')
    ws.terminate()
  },
)
