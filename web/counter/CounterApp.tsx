import { AppHeader } from '../src/AppHeader.tsx'
import type { Client } from '../../src/client/index.ts'
import { CounterPanel } from './CounterPanel.tsx'

/** The counter this page shows: `?name=` in the URL, or `main`. */
export const counterName = (url: URL): string => {
  const name = url.searchParams.get('name') ?? ''
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name : 'main'
}

/** The counter page: one shared number. */
export const CounterApp = ({ client, name }: { client: Client; name: string }) => {
  return (
    <>
      <AppHeader title="Counter" client={client} />
      <main class="counter-page">
        <CounterPanel client={client} name={name} />
      </main>
    </>
  )
}
