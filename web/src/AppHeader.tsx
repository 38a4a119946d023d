import type { ComponentChildren } from 'preact'
import type { Client } from '../../src/client/index.ts'
import { ConnectionStatus } from './ConnectionStatus.tsx'

interface Props {
  /** The app's name; omitted on the home page. */
  title?: string
  /** Its connection, shown once there is one. */
  client?: Client | undefined
  children?: ComponentChildren
}

/** The bar on top of every page: the way home, the app's name, extras, the connection. */
export const AppHeader = ({ title, client, children }: Props) => (
  <header class="app-header">
    <a class="app-header__brand" href="/">
      hubbub
    </a>
    {title === undefined ? null : (
      <>
        <span class="app-header__sep" aria-hidden="true">
          /
        </span>
        <h1 class="app-header__title">{title}</h1>
      </>
    )}
    <div class="app-header__extra">{children}</div>
    {client === undefined ? null : <ConnectionStatus client={client} />}
  </header>
)
