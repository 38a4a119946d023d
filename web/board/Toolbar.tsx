import type { ComponentChildren } from 'preact'
import { COLORS, WIDTHS, type Tools } from './tools.ts'

interface Props {
  tools: Tools
  onChange: (tools: Tools) => void
  /** At the end of the bar: who is here, the clear button. */
  children?: ComponentChildren
}

/** Widths drawn in the bar, in CSS pixels, smallest first (the real ones scale with the board). */
const PREVIEW_PX = [3, 6, 10, 16]

/**
 * Colour and line width, as two radio groups: Tab moves between the groups and the arrow keys
 * within one, as with any radio group.
 */
export const Toolbar = ({ tools, onChange, children }: Props) => (
  <div class="board-tools">
    <fieldset class="tool-group">
      <legend class="visually-hidden">Colour</legend>
      {COLORS.map((choice) => (
        <label key={choice.value} class="swatch" title={choice.name}>
          <input
            class="swatch__input"
            type="radio"
            name="color"
            value={choice.value}
            checked={tools.color === choice.value}
            onChange={() => {
              onChange({ ...tools, color: choice.value })
            }}
          />
          <span class="swatch__ink" style={{ background: choice.value }} aria-hidden="true" />
          <span class="visually-hidden">{choice.name}</span>
        </label>
      ))}
    </fieldset>
    <fieldset class="tool-group">
      <legend class="visually-hidden">Line width</legend>
      {WIDTHS.map((choice, index) => (
        <label key={choice.value} class="swatch" title={choice.name}>
          <input
            class="swatch__input"
            type="radio"
            name="width"
            value={choice.value}
            checked={tools.width === choice.value}
            onChange={() => {
              onChange({ ...tools, width: choice.value })
            }}
          />
          <span
            class="swatch__width"
            style={{
              width: `${PREVIEW_PX[index] ?? 8}px`,
              height: `${PREVIEW_PX[index] ?? 8}px`,
              background: tools.color,
            }}
            aria-hidden="true"
          />
          <span class="visually-hidden">{choice.name}</span>
        </label>
      ))}
    </fieldset>
    <div class="board-tools__end">{children}</div>
  </div>
)
