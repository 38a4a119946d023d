/** Line icons for the apps, drawn on a 24 × 24 grid (no icon font or emoji font needed). */
const PATHS = {
  chat: 'M4 5h16v11H9l-5 4zM8 9h8M8 12h5',
  counter: 'M5 12h5M7.5 9.5v5M14 12h5M4 4h16v16H4z',
  buzzer: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0',
  notifications: 'M4 13l3-8h10l3 8v6H4zM4 13h5l1 2h4l1-2h5',
  dashboard: 'M4 20V4M4 20h16M8 16l4-5 3 3 5-7',
  whiteboard: 'M15 5l4 4L9 19H5v-4zM13 7l4 4',
} as const

export type AppIconName = keyof typeof PATHS

export const AppIcon = ({ name }: { name: AppIconName }) => (
  <svg
    viewBox="0 0 24 24"
    width="24"
    height="24"
    fill="none"
    stroke="currentColor"
    stroke-width="1.8"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
  >
    <path d={PATHS[name]} />
  </svg>
)
