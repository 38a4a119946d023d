import { useEffect } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { AppHeader } from '../src/AppHeader.tsx'
import { useConnection } from '../src/use-connection.ts'
import { DemoSwitch } from './DemoSwitch.tsx'
import { IdentityCard } from './IdentityCard.tsx'
import { InboxPanel } from './InboxPanel.tsx'
import { SendForm } from './SendForm.tsx'
import { ToastStack } from './ToastStack.tsx'
import { UnreadBell } from './UnreadBell.tsx'
import { useDemo } from './use-demo.ts'
import { useInbox } from './use-inbox.ts'
import { useToasts } from './use-toasts.ts'
import { useUser } from './use-user.ts'

const TITLE = 'Notifications · hubbub'

/** The page of one user: inbox, toasts, the unread count in the header and the tab's title. */
const UserPage = ({ client, user }: { client: Client; user: string }) => {
  const toasts = useToasts()
  const inbox = useInbox(client, user, toasts.show)
  const demo = useDemo(client)
  const connection = useConnection(client)
  const isOnline = connection === 'connected'
  const { unread, items } = inbox

  useEffect(() => {
    document.title = unread === undefined || unread === 0 ? TITLE : `(${unread}) ${TITLE}`
  }, [unread])

  // A toast goes as soon as its notification is read or dismissed, here or in another tab.
  const shown = toasts.items.filter((toast) => {
    if (items === undefined) return true
    const item = items.find((candidate) => candidate.id === toast.id)
    return item !== undefined && !item.read
  })
  return (
    <>
      <AppHeader title="Notifications" client={client}>
        <UnreadBell unread={unread} />
      </AppHeader>
      <main class="notify">
        <InboxPanel inbox={inbox} connection={connection} />
        <aside class="notify__side" aria-label="Your id, demo and sending">
          <IdentityCard user={user} />
          <DemoSwitch demo={demo} isOnline={isOnline} />
          <SendForm client={client} self={user} isOnline={isOnline} />
        </aside>
      </main>
      <ToastStack toasts={shown} onRead={inbox.read} onClose={toasts.close} />
    </>
  )
}

/** The notifications page: this browser's inbox, once the server has said who it is. */
export const NotifyApp = ({ client }: { client: Client }) => {
  const user = useUser(client)
  if (user === undefined)
    return (
      <>
        <AppHeader title="Notifications" client={client} />
        <main class="centered">
          <p class="notify__waiting">Connecting to your inbox…</p>
        </main>
      </>
    )
  return <UserPage key={user} client={client} user={user} />
}
