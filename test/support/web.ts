/**
 * The built web apps (`dist/web`, built by `npm test`'s pretest) in Debian's Chromium against a
 * real in-process server: one browser per test file, one context per person.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { bundledApps } from '../../src/apps/index.js'
import type { App } from '../../src/server/index.js'
import type { Engine } from '../../src/engine/types.js'
import { createServer, type HubbubServer } from '../../src/server/index.js'

/** Options of a browser test: pages wait up to 10 s each, and a loaded machine is slower. */
export const BROWSER_TEST = { timeout: 45_000 }

export const WEB_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url))

/** The server secret of every {@link startWebServer}. */
const WEB_TEST_SECRET = 'web-test-secret-of-at-least-32-characters'

/**
 * A server with the bundled apps serving the web apps on `port` (0: any). Restarts are quick:
 * clients are told to come back within 50 ms.
 */
export const startWebServer = (options: { port?: number; engine?: Engine; apps?: App[] } = {}) =>
  createServer({
    port: options.port ?? 0,
    // One secret for every start, as `hubbub serve` keeps it in its data directory: a restarted
    // server still knows the anonymous credentials its browsers stored.
    secret: WEB_TEST_SECRET,
    staticDir: WEB_DIR,
    apps: options.apps ?? bundledApps(),
    shutdownSpreadMs: 50,
    shutdownTimeoutMs: 1_000,
    ...(options.engine === undefined ? {} : { engine: options.engine }),
  })

/** One person: a browser context of their own (so their own local storage, and so their own anonymous credential). */
export interface Person {
  context: BrowserContext
  page: Page
  /** Uncaught errors and console errors of the person's pages. */
  errors: string[]
}

export interface OpenOptions {
  /** The chat name, as if chosen on an earlier visit. */
  name?: string
  /** @default 'light' */
  colorScheme?: 'light' | 'dark'
  /** A phone-sized touch screen instead of a 1000 × 700 window. @default false */
  isPhone?: boolean
}

/**
 * Opens `path` of `server` as a new person. With `name`, the chat already knows it (as if it
 * had been chosen on an earlier visit).
 */
export const openAs = async (
  browser: Browser,
  server: Pick<HubbubServer, 'url'>,
  path: string,
  options: OpenOptions = {},
): Promise<Person> => {
  const context = await browser.newContext({
    viewport: options.isPhone === true ? { width: 390, height: 760 } : { width: 1000, height: 700 },
    ...(options.isPhone === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    colorScheme: options.colorScheme ?? 'light',
  })
  if (options.name !== undefined)
    // The blank page a context opens first has no storage: only pages of the server do.
    await context.addInitScript(
      `try { localStorage.setItem('hubbub.name', ${JSON.stringify(options.name)}) } catch {}`,
    )
  const errors: string[] = []
  context.on('weberror', (error) => errors.push(error.error().message))
  const page = await context.newPage()
  watchErrors(page, errors)
  await page.goto(`${server.url}${path}`)
  return { context, page, errors }
}

/** Records a page's uncaught errors and console errors into `errors`. */
export const watchErrors = (page: Page, errors: string[]): void => {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
}

/** Saves a screenshot of `page` as `test-results/<name>.png`, the artifact of a test. */
export const saveScreenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync('test-results', { recursive: true })
  await page.screenshot({ path: `test-results/${name}.png` })
}
