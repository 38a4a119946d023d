import { readItem, writeItem } from '../src/storage.ts'

export interface Choice {
  name: string
  value: string
}

/** Ink colours: dark enough for the white board, and still clear on the dimmed dark one. */
export const COLORS: readonly Choice[] = [
  { name: 'Black', value: '#1e1e1e' },
  { name: 'Red', value: '#e03131' },
  { name: 'Orange', value: '#f08c00' },
  { name: 'Green', value: '#2f9e44' },
  { name: 'Blue', value: '#1971c2' },
  { name: 'Violet', value: '#7048e8' },
  { name: 'Pink', value: '#d6336c' },
]

/** Line widths, as fractions of the board's width (the server takes up to 0.1). */
export const WIDTHS: readonly { name: string; value: number }[] = [
  { name: 'Thin', value: 0.003 },
  { name: 'Medium', value: 0.006 },
  { name: 'Thick', value: 0.012 },
  { name: 'Marker', value: 0.025 },
]

export interface Tools {
  color: string
  width: number
}

const KEY = 'hubbub.board.tools'

/** The colour and width this browser chose last, or black and medium. */
export const rememberedTools = (): Tools => {
  const fallback: Tools = { color: '#1e1e1e', width: 0.006 }
  try {
    const stored: unknown = JSON.parse(readItem(KEY) ?? 'null')
    if (typeof stored !== 'object' || stored === null) return fallback
    const { color, width } = stored as Record<string, unknown>
    return {
      color: COLORS.some((choice) => choice.value === color) ? (color as string) : fallback.color,
      width: WIDTHS.some((choice) => choice.value === width) ? (width as number) : fallback.width,
    }
  } catch (error) {
    // Not JSON: written by something else. Start from the defaults.
    if (error instanceof SyntaxError) return fallback
    throw error
  }
}

export const rememberTools = (tools: Tools): void => {
  writeItem(KEY, JSON.stringify(tools))
}
