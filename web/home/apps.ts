import type { AppIconName } from './AppIcon.tsx'

/** One app on the home page. */
export interface AppEntry {
  name: string
  blurb: string
  /** Where it lives; undefined while it is not built yet. */
  href?: string
  icon: AppIconName
}

export const APPS: AppEntry[] = [
  {
    name: 'Chat',
    blurb: 'Rooms with history, who is here, and who is typing.',
    href: '/chat/',
    icon: 'chat',
  },
  {
    name: 'Counter',
    blurb: 'One shared number, live in every tab; it survives restarts.',
    href: '/counter/',
    icon: 'counter',
  },
  {
    name: 'Buzzer',
    blurb: 'First to buzz wins, fairly, however slow the link.',
    href: '/buzzer/',
    icon: 'buzzer',
  },
  {
    name: 'Notifications',
    blurb: 'A live inbox with unread counts.',
    href: '/notify/',
    icon: 'notifications',
  },
  {
    name: 'Dashboard',
    blurb: 'The server’s own numbers, every second.',
    href: '/dashboard/',
    icon: 'dashboard',
  },
  {
    name: 'Whiteboard',
    blurb: 'Draw together and see each other’s cursors.',
    href: '/board/',
    icon: 'whiteboard',
  },
]
