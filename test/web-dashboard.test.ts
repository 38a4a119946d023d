/**
 * The dashboard web app (`/dashboard/`) in Chromium against two in-process nodes sharing one
 * memory backend, each publishing metrics every 200 ms: every viewer sees both nodes' numbers
 * move and the charts fill, and a viewer who comes later gets the past minutes from history; a
 * plain `/dashboard` client gets the machine CPU and memory figures the page shows.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bundledApps, createMetricsApp } from '../src/apps/index.js'
import { connect } from '../src/client/node.js'
import { createMemoryBackend, createMemoryEngine } from '../src/engine/memory.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { formatPercent } from '../web/src/format.js'
import { launchChromium } from './support/browser.js'
import { waitForText } from './support/page-text.js'
import { openAs, saveScreenshot, WEB_DIR, type OpenOptions, type Person } from './support/web.js'

const INTERVAL_MS = 200

let browser: Browser
let nodes: HubbubServer[] = []

beforeAll(async () => {
  browser = await launchChromium()
  const shared = createMemoryBackend()
  nodes = await Promise.all(
    ['node-a', 'node-b'].map((nodeId) =>
      createServer({
        port: 0,
        nodeId,
        engine: createMemoryEngine({ shared }),
        staticDir: WEB_DIR,
        apps: [
          ...bundledApps().filter((app) => app.name !== 'metrics'),
          createMetricsApp({ intervalMs: INTERVAL_MS }),
        ],
      }),
    ),
  )
})
afterAll(async () => {
  await browser.close()
  await Promise.all(nodes.map((node) => node.close()))
})

const nodeA = (): HubbubServer => {
  const [node] = nodes
  if (node === undefined) throw new Error('no node-a')
  return node
}

const open = async (options: OpenOptions = {}): Promise<Person> => {
  const person = await openAs(browser, nodeA(), '/dashboard/', options)
  person.page.setDefaultTimeout(10_000)
  await waitForText(person.page, '[role=status]', 'Connected')
  return person
}

const stat = (node: string, name: string): string => `[data-node="${node}"] [data-testid=${name}]`

/** A number of the chart `id`'s figure (`points`, `from`), read from its data attributes. */
const chartNumber = async (page: Page, id: string, attribute: 'points' | 'from') =>
  Number(await page.getAttribute(`[data-testid=chart-${id}]`, `data-${attribute}`))

/** Waits until the chart `id` of `page` has at least `count` points. */
const waitForPoints = (page: Page, id: string, count: number) =>
  page.waitForFunction(
    `Number(document.querySelector('[data-testid=chart-${id}]')?.dataset.points) >= ${count}`,
  )

it('shows every node live to every viewer, and the past minutes to a late one', async () => {
  const ann = await open()
  const ben = await open({ colorScheme: 'dark' })
  for (const { page } of [ann, ben]) {
    await waitForText(page, stat('node-a', 'connections'), '2')
    await waitForText(page, stat('node-b', 'connections'), '0')
    await waitForPoints(page, 'connections', 10)
  }
  // Each sample goes out to both viewers: node-a sends messages every second.
  await ann.page.waitForFunction(
    `Number(document.querySelector(${JSON.stringify(stat('node-a', 'messages-out'))})?.firstChild.textContent) > 0`,
  )

  // A viewer who comes later has the samples from before it came, not only live ones.
  const earliest = await chartNumber(ann.page, 'cpu', 'from')
  const pointsBefore = await chartNumber(ann.page, 'cpu', 'points')
  const cat = await open({ isPhone: true })
  await cat.page.locator('[data-history=loaded]').waitFor()
  expect(await chartNumber(cat.page, 'cpu', 'from')).toBe(earliest)
  expect(await chartNumber(cat.page, 'cpu', 'points')).toBeGreaterThanOrEqual(pointsBefore)
  for (const { page } of [ann, ben, cat]) {
    await waitForText(page, stat('node-a', 'connections'), '3')
    await waitForText(page, stat('node-b', 'connections'), '0')
  }

  // A client of the other node counts there, and shows on every dashboard.
  const [, nodeB] = nodes
  if (nodeB === undefined) throw new Error('no node-b')
  const terminal = connect(`ws://localhost:${nodeB.port}/`, { name: 'Terminal' })
  await terminal.ready()
  for (const { page } of [ann, ben, cat])
    await waitForText(page, stat('node-b', 'connections'), '1')
  await waitForPoints(cat.page, 'connections', pointsBefore + 10)
  await saveScreenshot(ann.page, 'web-dashboard')
  await saveScreenshot(ben.page, 'web-dashboard-dark')
  await cat.page.screenshot({ path: 'test-results/web-dashboard-phone.png', fullPage: true })

  // Leaving counts too.
  terminal.close()
  await cat.context.close()
  for (const { page } of [ann, ben]) {
    await waitForText(page, stat('node-a', 'connections'), '2')
    await waitForText(page, stat('node-b', 'connections'), '0')
  }
  // A tutorial's plain /dashboard client of node-a gets the machine figures the page shows.
  const plain = new WebSocket(`ws://127.0.0.1:${nodeA().port}/dashboard`)
  const received = new Set<string>()
  plain.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as {
      type: string
      cpu: number
      memory: number
    }
    if (message.type === 'metrics')
      received.add(`${formatPercent(message.cpu)} / ${formatPercent(message.memory)}`)
  })
  const shown = async (): Promise<string> =>
    `${await ann.page.textContent(stat('node-a', 'system-cpu'))} / ${await ann.page.textContent(stat('node-a', 'system-memory'))}`
  await expect.poll(async () => received.has(await shown()), { timeout: 10_000 }).toBe(true)
  plain.close()

  await ann.context.close()
  await ben.context.close()
  for (const person of [ann, ben, cat]) expect(person.errors).toEqual([])
})
