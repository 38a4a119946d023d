/**
 * The browser exercises' JSON snippets, each pasted into a small page served by the test, in
 * Chromium against a real `hubbub serve` child, side by side with the hubbub web app they share
 * state with: the counter page and the web counter count one counter; the drawing page and the
 * web whiteboard draw on one board (issue 13).
 */
import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { launchChromium } from './support/browser.js'
import { canvasDigest, pixelAt } from './support/canvas.js'
import { useServeProcesses, type Served } from './support/cli-process.js'
import { waitForText } from './support/page-text.js'
import { BROWSER_TEST, openAs, type Person } from './support/web.js'

const { serve } = useServeProcesses()
let browser: Browser
let pages: Server
let pagesUrl: string
let hub: Served
const people: Person[] = []
const snippetPages: Page[] = []

/** The counter exercise: the three lines of README's snippet, with an element and a button. */
const counterPage = (port: number): string => `<!doctype html>
<title>Counter</title>
<p>Count: <span id="count">?</span> <button id="plus">+1</button></p>
<script>
const el = document.getElementById('count'), button = document.getElementById('plus')
const ws = new WebSocket('ws://localhost:${port}/counter')
ws.onmessage = e => { const d = JSON.parse(e.data); if (d.type === 'counter') el.textContent = d.value }
button.onclick = () => ws.send(JSON.stringify({ type: 'increment' }))
</script>`

/** The drawing exercise: mouse events go out, received draw_move lines are drawn, clear clears. */
const drawPage = (port: number): string => `<!doctype html>
<title>Drawing</title>
<style>body { margin: 0 } canvas { display: block; border: 1px solid #888 }</style>
<canvas id="board" width="800" height="600"></canvas>
<button id="clear">Clear</button>
<script>
const canvas = document.getElementById('board'), ctx = canvas.getContext('2d')
const ws = new WebSocket('ws://localhost:${port}/draw')
let drawing = false, lastX = 0, lastY = 0
function line(x1, y1, x2, y2) { ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.lineWidth = 4; ctx.strokeStyle = '#000'; ctx.stroke() }
canvas.addEventListener('mousedown', e => { drawing = true; lastX = e.offsetX; lastY = e.offsetY; ws.send(JSON.stringify({ type: 'draw_start', x: e.offsetX, y: e.offsetY })) })
canvas.addEventListener('mousemove', e => { if (!drawing) return; line(lastX, lastY, e.offsetX, e.offsetY); lastX = e.offsetX; lastY = e.offsetY; ws.send(JSON.stringify({ type: 'draw_move', x: e.offsetX, y: e.offsetY })) })
canvas.addEventListener('mouseup', () => { drawing = false; ws.send(JSON.stringify({ type: 'draw_end' })) })
document.getElementById('clear').onclick = () => { ctx.clearRect(0, 0, canvas.width, canvas.height); ws.send(JSON.stringify({ type: 'clear' })) }
ws.onopen = () => document.title = 'Drawing (connected)'
ws.onmessage = e => {
  const d = JSON.parse(e.data)
  if (d.type === 'draw_move') line(d.fromX, d.fromY, d.x, d.y)
  if (d.type === 'clear') ctx.clearRect(0, 0, canvas.width, canvas.height)
}
</script>`

beforeAll(async () => {
  browser = await launchChromium()
  pages = createServer((req, res) => {
    const port = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('port'))
    const html = req.url?.startsWith('/counter') === true ? counterPage(port) : drawPage(port)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
  })
  pages.listen(0, '127.0.0.1')
  await once(pages, 'listening')
  pagesUrl = `http://localhost:${(pages.address() as AddressInfo).port}`
})
afterEach(async () => {
  await Promise.all(people.splice(0).map((person) => person.context.close()))
  await Promise.all(snippetPages.splice(0).map((page) => page.context().close()))
})
afterAll(async () => {
  await browser.close()
  pages.close()
})

const startHub = async (): Promise<void> => {
  hub = await serve(['--memory', '--port', '0'])
}
const web = async (path: string, name: string): Promise<Person> => {
  const person = await openAs(browser, { url: `http://localhost:${hub.port}` }, path, { name })
  person.page.setDefaultTimeout(10_000)
  people.push(person)
  return person
}
const snippet = async (kind: 'counter' | 'draw'): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  snippetPages.push(page)
  await page.goto(`${pagesUrl}/${kind}?port=${hub.port}`)
  return page
}

it('the counter snippet and the web counter count one counter', BROWSER_TEST, async () => {
  await startHub()
  const page = await snippet('counter')
  const ann = await web('/counter/', 'Ann')
  await waitForText(page, '#count', '0')
  await waitForText(ann.page, '[data-testid=value]', '0')

  for (let i = 0; i < 3; i += 1) await page.click('#plus')
  await waitForText(page, '#count', '3')
  await waitForText(ann.page, '[data-testid=value]', '3')

  const plus = ann.page.getByRole('button', { name: 'Add one' })
  await plus.click()
  await plus.click()
  await waitForText(ann.page, '[data-testid=value]', '5')
  await waitForText(page, '#count', '5')
  expect(ann.errors).toEqual([])
})

const CANVAS = '#board'
const BOARD = '[data-testid=board-canvas]'
const waitForStrokes = (page: Page, strokes: number) =>
  page
    .locator(
      `[data-testid=board-state][data-status=ready][data-strokes="${strokes}"][data-pending="0"]`,
    )
    .waitFor()

/** Whether the snippet canvas has ink at pixel (x, y) of its 800 × 600. */
const hasInk = async (page: Page, x: number, y: number): Promise<boolean> =>
  (await pixelAt(page, CANVAS, x / 800, y / 600))[3] > 0
const waitForInk = async (page: Page, x: number, y: number): Promise<void> => {
  await expect.poll(() => hasInk(page, x, y), { timeout: 10_000 }).toBe(true)
}

/** Drags the mouse over the snippet canvas through pixel points, a few moves per segment. */
const dragOnSnippet = async (page: Page, points: [number, number][]): Promise<void> => {
  const box = await page.locator(CANVAS).boundingBox()
  if (box === null) throw new Error('no canvas')
  // +1: the canvas's border; offsetX counts from inside it.
  const at = ([x, y]: [number, number]): [number, number] => [box.x + 1 + x, box.y + 1 + y]
  const [first, ...rest] = points
  if (first === undefined) return
  await page.mouse.move(...at(first))
  await page.mouse.down()
  for (const point of rest) await page.mouse.move(...at(point), { steps: 5 })
  await page.mouse.up()
}

it('the drawing snippet and the web whiteboard draw on one board', BROWSER_TEST, async () => {
  await startHub()
  const ann = await web('/board/', 'Ann')
  await waitForStrokes(ann.page, 0)

  // Ann draws on the web board (a vertical line in the middle).
  const box = await ann.page.locator(BOARD).boundingBox()
  if (box === null) throw new Error('the board is not shown')
  await ann.page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.1)
  await ann.page.mouse.down()
  await ann.page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.9, { steps: 10 })
  await ann.page.mouse.up()
  await waitForStrokes(ann.page, 1)

  // Two snippets open: each draws Ann's line from the replayed messages (then they follow live).
  const [alice, bob] = [await snippet('draw'), await snippet('draw')]
  for (const page of [alice, bob]) await waitForInk(page, 400, 150)

  // Alice draws: Bob's page draws the same line from the relayed moves, and it is on the web board.
  await dragOnSnippet(alice, [
    [100, 300],
    [300, 300],
    [700, 300],
  ])
  await waitForInk(bob, 250, 300)
  await waitForInk(bob, 600, 300)
  await waitForStrokes(ann.page, 2)

  // Ann draws again: both snippets draw it live.
  await ann.page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.75)
  await ann.page.mouse.down()
  await ann.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.75, { steps: 5 })
  await ann.page.mouse.up()
  await waitForStrokes(ann.page, 3)
  for (const page of [alice, bob]) await waitForInk(page, 160, 450)

  // A late snippet gets every line replayed.
  const carol = await snippet('draw')
  await waitForInk(carol, 400, 150)
  await waitForInk(carol, 250, 300)
  await waitForInk(carol, 160, 450)

  // Bob clears: the web board and the other snippets are empty.
  await bob.click('#clear')
  await waitForStrokes(ann.page, 0)
  for (const page of [alice, carol])
    await expect.poll(() => canvasDigest(page, CANVAS), { timeout: 10_000 }).toMatch(/^800x600:0:/)
  expect(ann.errors).toEqual([])
})
