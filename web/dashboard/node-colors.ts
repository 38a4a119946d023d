import type { ColorScheme } from './use-color-scheme.ts'

/** Line colours of the nodes, in the order nodes were first seen; readable on each surface. */
const PALETTES: Record<ColorScheme, readonly string[]> = {
  light: ['#4b45d6', '#0c8599', '#d9480f', '#c2255c', '#2f9e44', '#1971c2'],
  dark: ['#8d87ff', '#3bc9db', '#ffa94d', '#f783ac', '#69db7c', '#74c0fc'],
}

/** The colour of the `index`-th node (colours repeat past six nodes). */
export const nodeColor = (index: number, scheme: ColorScheme): string => {
  const palette = PALETTES[scheme]
  return palette[index % palette.length] ?? '#888888'
}
