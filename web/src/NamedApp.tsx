import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { AppHeader } from './AppHeader.tsx'
import { NameDialog } from './NameDialog.tsx'
import { NameForm, type NameFormTexts } from './NameForm.tsx'
import { rememberedName, rememberName } from './name-store.ts'
import { useClient } from './use-client.ts'

interface Props {
  /** The app's name in the header. */
  title: string
  /** What the name form says on this page. */
  texts: NameFormTexts
  /** Extra class for the name button in the header. */
  buttonClass?: string
  /** Class for a span around the name in that button; without it the name stands bare. */
  nameClass?: string
  /** The page itself, once there is a name and a client. */
  children: (client: Client, name: string) => ComponentChildren
}

/**
 * The shell every named app shares: asks for a name once (and remembers it), connects as it,
 * and shows the header with a button to change the name.
 */
export const NamedApp = ({ title, texts, buttonClass, nameClass, children }: Props) => {
  const [name, setName] = useState(rememberedName)
  const [isRenaming, setIsRenaming] = useState(false)
  const client = useClient(name)
  const choose = (chosen: string): void => {
    rememberName(chosen)
    setName(chosen)
    setIsRenaming(false)
  }
  if (name === undefined || client === undefined)
    return (
      <>
        <AppHeader title={title} />
        <main class="centered">
          {name === undefined ? <NameForm initial="" texts={texts} onSubmit={choose} /> : null}
        </main>
      </>
    )
  return (
    <>
      <AppHeader title={title} client={client}>
        <button
          type="button"
          class={`button button--quiet button--small${buttonClass === undefined ? '' : ` ${buttonClass}`}`}
          aria-label={`Your name is ${name}. Change it`}
          onClick={() => {
            setIsRenaming(true)
          }}
        >
          <svg
            viewBox="0 0 24 24"
            width="14"
            height="14"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
          >
            <path d="M15 5l4 4L9 19H5v-4zM13 7l4 4" />
          </svg>
          {nameClass === undefined ? name : <span class={nameClass}>{name}</span>}
        </button>
      </AppHeader>
      {children(client, name)}
      {isRenaming ? (
        <NameDialog
          name={name}
          texts={texts}
          onSubmit={choose}
          onClose={() => {
            setIsRenaming(false)
          }}
        />
      ) : null}
    </>
  )
}
