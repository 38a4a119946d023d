import type { Client } from '../../src/client/index.ts'
import { AppHeader } from '../src/AppHeader.tsx'
import { hubUrl } from '../src/hub.ts'
import { AppCard } from './AppCard.tsx'
import { APPS } from './apps.ts'
import { useServerInfo } from './use-server-info.ts'

const PLAIN_PATHS = ['/chat', '/echo', '/upper', '/hello', '/broadcast', '/buzzer']

/** The home page: the apps, the server's version, and how to reach it without a browser. */
export const Home = ({ client }: { client: Client }) => {
  const info = useServerInfo()
  const base = hubUrl().replace(/\/$/, '')
  return (
    <>
      <AppHeader client={client} />
      <main class="home">
        <section class="home__intro">
          <h1>Real-time apps on one small server</h1>
          <p>
            Open any app in two tabs, or on two devices, and watch them stay in step. Every app uses
            the <code>hubbub/client</code> SDK over one WebSocket.
          </p>
        </section>
        <ul class="app-grid" aria-label="Apps">
          {APPS.map((app) => (
            <AppCard key={app.name} app={app} />
          ))}
        </ul>
        <section class="home__plain card">
          <h2>Without a browser</h2>
          <p>
            Any WebSocket client can talk to <code>{`${base}/`}</code> with the subprotocol{' '}
            <code>hubbub.v1</code>, or in plain text on{' '}
            {PLAIN_PATHS.map((path, index) => (
              <span key={path}>
                {index === 0 ? '' : index === PLAIN_PATHS.length - 1 ? ' and ' : ', '}
                <code>{path}</code>
              </span>
            ))}
            . Plain chat users show up in the Chat app’s lobby.
          </p>
        </section>
      </main>
      <footer class="home__footer">
        <span data-testid="server-version">
          {info === 'loading'
            ? 'Server version…'
            : info === 'unavailable' || info.version === undefined
              ? 'Server version unknown'
              : `hubbub ${info.version}`}
        </span>
        {typeof info === 'object' && info.node !== undefined ? <span>node {info.node}</span> : null}
        <a href="/healthz">/healthz</a>
      </footer>
    </>
  )
}
