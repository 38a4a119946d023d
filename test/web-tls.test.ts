/**
 * The web apps over https: Chromium opens the counter and the chat from a server started with a
 * certificate (made by the test with openssl), and they connect over wss and work.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import { createServer, type HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { createCertificates } from './support/certificates.js'
import { waitForText } from './support/page-text.js'
import { BROWSER_TEST, saveScreenshot, WEB_DIR } from './support/web.js'

const certificates = createCertificates()
let browser: Browser
let server: HubbubServer

beforeAll(async () => {
  const { cert, key } = certificates.make()
  browser = await launchChromium()
  server = await createServer({
    port: 0,
    staticDir: WEB_DIR,
    apps: bundledApps(),
    tls: { cert, key },
    shutdownTimeoutMs: 1_000,
  })
})
afterAll(async () => {
  await browser.close()
  await server.close()
  certificates.remove()
})

it('serves the web apps over https, connected over wss', BROWSER_TEST, async () => {
  // The certificate is self-signed: this browser is told to accept it, as one would add it.
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  const errors: string[] = []
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(error.message))
  const sockets: string[] = []
  page.on('websocket', (socket) => sockets.push(socket.url()))
  page.setDefaultTimeout(10_000)

  await page.goto(`${server.url}/counter/`)
  await waitForText(page, '[role=status]', 'Connected')
  const before = Number(await page.getByTestId('value').textContent())
  await page.getByRole('button', { name: 'Add one' }).click()
  await waitForText(page, '[data-testid=value]', String(before + 1))
  await saveScreenshot(page, 'web-tls-counter')

  await page.goto(`${server.url}/chat/`)
  await page.getByLabel(/name/i).first().fill('Tess')
  await page.keyboard.press('Enter')
  await waitForText(page, '[role=status]', 'Connected')

  expect(sockets.length).toBeGreaterThanOrEqual(2)
  for (const url of sockets) expect(url).toMatch(new RegExp(`^wss://localhost:${server.port}/`))
  expect(errors).toEqual([])
  await context.close()
})
