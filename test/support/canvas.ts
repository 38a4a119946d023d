/**
 * Reading a page's `<canvas>` pixels from a test: one pixel, a digest of all of them, waiting
 * for a pixel to turn a colour. Scripts are strings, run in the page (tests have no DOM types).
 */
import type { Page } from 'playwright-core'

export type Rgba = [number, number, number, number]

const canvasScript = (selector: string): string =>
  `(() => { const canvas = document.querySelector(${JSON.stringify(selector)}); if (!(canvas instanceof HTMLCanvasElement)) throw new Error('no canvas ' + ${JSON.stringify(selector)}); return canvas })()`

/** `[r, g, b, a]` of the pixel at fractions `x`, `y` of the canvas's width and height. */
const pixelScript = (selector: string, x: number, y: number): string =>
  `(() => { const canvas = ${canvasScript(selector)}; const data = canvas.getContext('2d').getImageData(Math.floor(${x} * canvas.width), Math.floor(${y} * canvas.height), 1, 1).data; return [data[0], data[1], data[2], data[3]] })()`

export const pixelAt = (page: Page, selector: string, x: number, y: number): Promise<Rgba> =>
  page.evaluate<Rgba>(pixelScript(selector, x, y))

/** Waits until the pixel at fractions `x`, `y` is exactly `rgba`; the error names what it was. */
export const waitForPixel = async (
  page: Page,
  selector: string,
  [x, y]: [number, number],
  rgba: Rgba,
): Promise<void> => {
  try {
    await page.waitForFunction(
      `JSON.stringify(${pixelScript(selector, x, y)}) === ${JSON.stringify(JSON.stringify(rgba))}`,
    )
  } catch (error) {
    const actual = await pixelAt(page, selector, x, y)
    throw new Error(`pixel (${x}, ${y}): expected ${rgba.join()}, found ${actual.join()}`, {
      cause: error,
    })
  }
}

/**
 * A digest of every pixel (FNV-1a over the RGBA bytes) with the canvas's size and how many
 * pixels are not transparent, e.g. `1494x1120:8123:3f1c0a2b`: equal digests, equal pictures.
 */
export const canvasDigest = (page: Page, selector: string): Promise<string> =>
  page.evaluate<string>(`(() => {
    const canvas = ${canvasScript(selector)}
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    let hash = 0x811c9dc5
    let inked = 0
    for (let index = 0; index < data.length; index += 1) {
      hash = Math.imul(hash ^ data[index], 0x01000193) >>> 0
      if (index % 4 === 3 && data[index] !== 0) inked += 1
    }
    return canvas.width + 'x' + canvas.height + ':' + inked + ':' + hash.toString(16)
  })()`)
