/**
 * The whiteboard web app (`/board/`) in Chromium, several people each in a browser context of
 * their own, against a real server: strokes drawn with the mouse (or a finger) reach the
 * others' canvases, cursors carry names, a clear clears everyone's board, and a reload or a late
 * joiner gets the same picture, pixel for pixel.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createSqliteEngine } from '../src/engine/sqlite.js'
import type { HubbubServer } from '../src/server/index.js'
import { launchChromium } from './support/browser.js'
import { canvasDigest, pixelAt, waitForPixel, type Rgba } from './support/canvas.js'
import { waitForText } from './support/page-text.js'
import {
  openAs,
  saveScreenshot,
  startWebServer,
  type OpenOptions,
  type Person,
} from './support/web.js'

const CANVAS = '[data-testid=board-canvas]'
const STATE = '[data-testid=board-state]'
const RED: Rgba = [224, 49, 49, 255]
const BLUE: Rgba = [25, 113, 194, 255]
const BLANK: Rgba = [0, 0, 0, 0]

// SQLite, as `hubbub serve` runs: boards outlive a restart. Each test draws on a board of its own.
const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-web-board-'))
const start = (port = 0) =>
  startWebServer({ port, engine: createSqliteEngine({ file: join(dataDir, 'hubbub.db') }) })

let browser: Browser
let server: HubbubServer
const people: Person[] = []

beforeAll(async () => {
  browser = await launchChromium()
  server = await start()
})
afterAll(async () => {
  await browser.close()
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const person of people.splice(0)) {
    await person.context.close()
    expect(person.errors.filter((error) => !isRefusedSocket(error))).toEqual([])
  }
})

/** The browser's own complaint about a refused WebSocket while the server is down. */
const isRefusedSocket = (error: string): boolean => /WebSocket connection to .* failed/.test(error)

/** Opens board `board` as `name`, who chose that name on an earlier visit. */
const enter = async (
  board: string,
  name: string,
  options: Omit<OpenOptions, 'name'> = {},
): Promise<Person> => {
  const person = await openAs(browser, server, `/board/?name=${board}`, { ...options, name })
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}

/** Waits until the board shows `strokes` placed strokes, none still on its way. */
const waitForStrokes = (page: Page, strokes: number) =>
  page.locator(`${STATE}[data-status=ready][data-strokes="${strokes}"][data-pending="0"]`).waitFor()

/** The page position of fractions `x`, `y` of the board. */
const onBoard = async (page: Page, [x, y]: [number, number]): Promise<[number, number]> => {
  const box = await page.locator(CANVAS).boundingBox()
  if (box === null) throw new Error('the board is not shown')
  return [box.x + x * box.width, box.y + y * box.height]
}

/** Draws with the mouse through `points` (fractions of the board), `steps` moves per segment. */
const draw = async (page: Page, points: [number, number][], steps = 10): Promise<void> => {
  const [first, ...rest] = points
  if (first === undefined) return
  await page.mouse.move(...(await onBoard(page, first)))
  await page.mouse.down()
  for (const point of rest) await page.mouse.move(...(await onBoard(page, point)), { steps })
  await page.mouse.up()
}

/** Waits until `cursor`'s tip is at fractions `at` of `page`'s board (within a pixel). */
const waitForCursorAt = async (page: Page, cursor: Locator, at: [number, number]) => {
  const [x, y] = await onBoard(page, at)
  await expect
    .poll(async () => {
      const box = await cursor.boundingBox()
      return box === null ? Infinity : Math.max(Math.abs(box.x - x), Math.abs(box.y - y))
    })
    .toBeLessThanOrEqual(1)
}

/**
 * Draws a long line fast, as a quick hand does: the moves go out without waiting for each
 * other, so the browser coalesces them and the page reads them from `getCoalescedEvents()`.
 * (One awaited move per frame would take seconds for a few hundred points.)
 */
const drawFast = async (page: Page, points: [number, number][], steps: number): Promise<void> => {
  const [first, ...rest] = points
  if (first === undefined) return
  const path: [number, number][] = []
  let from = first
  for (const to of rest) {
    for (let step = 1; step <= steps; step += 1)
      path.push([
        from[0] + ((to[0] - from[0]) * step) / steps,
        from[1] + ((to[1] - from[1]) * step) / steps,
      ])
    from = to
  }
  const box = await page.locator(CANVAS).boundingBox()
  if (box === null) throw new Error('the board is not shown')
  const cdp = await page.context().newCDPSession(page)
  await page.mouse.move(box.x + first[0] * box.width, box.y + first[1] * box.height)
  await page.mouse.down()
  await Promise.all(
    path.map(([x, y]) =>
      cdp.send('Input.dispatchMouseEvent', {
        type: 'mouseMoved',
        x: box.x + x * box.width,
        y: box.y + y * box.height,
        button: 'left',
        buttons: 1,
      }),
    ),
  )
  await page.mouse.up()
  await cdp.detach()
}

const choose = async (page: Page, tool: string): Promise<void> => {
  await page.getByRole('radio', { name: tool, exact: true }).check()
}

it('shows strokes and cursors live, and clears for everyone', async () => {
  const ann = await enter('studio', 'Ann')
  const ben = await enter('studio', 'Ben', { colorScheme: 'dark' })
  await waitForStrokes(ann.page, 0)
  await waitForStrokes(ben.page, 0)
  await ann.page.getByText('Draw anywhere').waitFor()

  // Ann draws a thick red line: at once on her board, then on Ben's.
  await choose(ann.page, 'Red')
  await choose(ann.page, 'Thick')
  await draw(ann.page, [
    [0.2, 0.5],
    [0.8, 0.5],
  ])
  await waitForPixel(ann.page, CANVAS, [0.5, 0.5], RED)
  await waitForPixel(ben.page, CANVAS, [0.5, 0.5], RED)
  await waitForStrokes(ben.page, 1)

  // Ben sees Ann's cursor, with her name, where her pointer is.
  await ann.page.mouse.move(...(await onBoard(ann.page, [0.6, 0.3])))
  const annCursor = ben.page.locator('.cursor', { hasText: 'Ann' })
  await waitForCursorAt(ben.page, annCursor, [0.6, 0.3])

  // Ben draws too (keyboard: the colour radios move with the arrow keys); Ann sees it.
  await ben.page.getByRole('radio', { name: 'Black' }).focus()
  for (let i = 0; i < 4; i += 1) await ben.page.keyboard.press('ArrowRight')
  expect(await ben.page.getByRole('radio', { name: 'Blue' }).isChecked()).toBe(true)
  await choose(ben.page, 'Marker')
  await draw(ben.page, [
    [0.3, 0.2],
    [0.35, 0.8],
  ])
  await waitForPixel(ann.page, CANVAS, [0.325, 0.5], BLUE)
  await waitForStrokes(ann.page, 2)
  await ann.page.mouse.move(...(await onBoard(ann.page, [0.7, 0.35])))
  await waitForCursorAt(ben.page, annCursor, [0.7, 0.35])
  await saveScreenshot(ann.page, 'web-board')
  await saveScreenshot(ben.page, 'web-board-dark')

  // Ben clears, after saying yes: both boards are empty.
  await ben.page.getByRole('button', { name: 'Clear' }).click()
  await saveScreenshot(ben.page, 'web-board-clear-dialog')
  await ben.page.getByRole('button', { name: 'Clear the board' }).click()
  for (const { page } of [ann, ben]) {
    await waitForPixel(page, CANVAS, [0.5, 0.5], BLANK)
    await waitForStrokes(page, 0)
    expect(await canvasDigest(page, CANVAS)).toMatch(/^\d+x\d+:0:/)
  }

  // Ann leaves: her cursor goes.
  await ann.page.mouse.move(...(await onBoard(ann.page, [0.5, 0.5])))
  await annCursor.waitFor()
  await ann.page.close()
  await annCursor.waitFor({ state: 'detached' })
})

it('gives a reload and a late joiner the same picture, pixel for pixel', async () => {
  const ann = await enter('replay', 'Ann')
  const ben = await enter('replay', 'Ben', { colorScheme: 'dark' })
  await waitForStrokes(ann.page, 0)
  await waitForStrokes(ben.page, 0)

  // Before a clear: gone for everyone, also from history.
  await draw(ann.page, [
    [0.1, 0.9],
    [0.9, 0.9],
  ])
  await waitForStrokes(ben.page, 1)
  await ann.page.getByRole('button', { name: 'Clear' }).click()
  await ann.page.getByRole('button', { name: 'Clear the board' }).click()
  await waitForStrokes(ben.page, 0)

  // A long zigzag goes out in parts of at most 200 points; a click is a dot.
  await choose(ann.page, 'Red')
  await choose(ann.page, 'Thick')
  await drawFast(
    ann.page,
    [
      [0.1, 0.2],
      [0.3, 0.6],
      [0.5, 0.2],
      [0.7, 0.6],
      [0.9, 0.2],
    ],
    80,
  )
  await waitForStrokes(ann.page, 2)
  await choose(ann.page, 'Marker')
  await draw(ann.page, [[0.5, 0.8]])
  await choose(ben.page, 'Blue')
  await choose(ben.page, 'Thick')
  await draw(ben.page, [
    [0.15, 0.75],
    [0.85, 0.75],
  ])
  // The zigzag's two parts, the dot, Ben's line.
  const strokes = 4
  await waitForStrokes(ann.page, strokes)
  await waitForStrokes(ben.page, strokes)
  await waitForPixel(ben.page, CANVAS, [0.5, 0.8], RED)
  const picture = await canvasDigest(ann.page, CANVAS)
  expect(await canvasDigest(ben.page, CANVAS)).toBe(picture)

  await ann.page.reload()
  await waitForStrokes(ann.page, strokes)
  expect(await canvasDigest(ann.page, CANVAS)).toBe(picture)

  // A late joiner on a phone: a smaller board, the same picture at its size; a tap is a dot.
  const dan = await enter('replay', 'Dan', { isPhone: true })
  await waitForStrokes(dan.page, strokes)
  for (const [at, rgba] of [
    [[0.2, 0.4], RED],
    [[0.6, 0.4], RED],
    [[0.5, 0.8], RED],
    [[0.5, 0.75], BLUE],
    [[0.5, 0.9], BLANK],
    [[0.5, 0.5], BLANK],
  ] satisfies [[number, number], Rgba][])
    expect(await pixelAt(dan.page, CANVAS, ...at)).toEqual(rgba)
  await choose(dan.page, 'Green')
  await choose(dan.page, 'Marker')
  await dan.page.touchscreen.tap(...(await onBoard(dan.page, [0.85, 0.4])))
  await waitForPixel(ann.page, CANVAS, [0.85, 0.4], [47, 158, 68, 255])
  await saveScreenshot(dan.page, 'web-board-phone')
})

it('keeps what is drawn while offline, and sends it once the server is back', async () => {
  const ann = await enter('offline', 'Ann')
  await choose(ann.page, 'Red')
  await draw(ann.page, [
    [0.2, 0.3],
    [0.8, 0.3],
  ])
  await waitForStrokes(ann.page, 1)

  const { port } = server
  await server.close()
  await waitForText(ann.page, '[role=status]', 'Reconnecting…')
  await choose(ann.page, 'Blue')
  await draw(ann.page, [
    [0.2, 0.6],
    [0.8, 0.6],
  ])
  await ann.page.getByText('1 stroke waits for the connection').waitFor()
  await saveScreenshot(ann.page, 'web-board-offline')

  server = await start(port)
  await waitForStrokes(ann.page, 2)
  const ben = await enter('offline', 'Ben')
  await waitForStrokes(ben.page, 2)
  await waitForPixel(ben.page, CANVAS, [0.5, 0.3], RED)
  await waitForPixel(ben.page, CANVAS, [0.5, 0.6], BLUE)
  expect(await canvasDigest(ben.page, CANVAS)).toBe(await canvasDigest(ann.page, CANVAS))
})
