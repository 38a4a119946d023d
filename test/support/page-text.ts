import type { Page } from 'playwright-core'

/** The text of every element matching `selector`, in document order. */
export const textsOf = (page: Page, selector: string): Promise<string[]> =>
  page.locator(selector).allTextContents()

/**
 * Waits until the elements matching `selector` have exactly `expected` as their texts, in
 * order; the error names what was there instead.
 */
export const waitForTexts = async (
  page: Page,
  selector: string,
  expected: string[],
): Promise<void> => {
  const script = `JSON.stringify(Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (e) => e.textContent)) === ${JSON.stringify(JSON.stringify(expected))}`
  try {
    await page.waitForFunction(script)
  } catch (error) {
    const actual = await textsOf(page, selector)
    throw new Error(
      `${selector}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`,
      { cause: error },
    )
  }
}

/** Waits until the element matching `selector` has exactly the text `expected`. */
export const waitForText = (page: Page, selector: string, expected: string): Promise<void> =>
  waitForTexts(page, selector, [expected])
