import { useEffect, useState } from 'preact/hooks'
import { Icon } from './icons.tsx'

/** How long "Copied" shows. */
const COPIED_MS = 2_000

/**
 * This browser's user id: public (it is how a backend addresses this inbox, and knowing it lets
 * nobody else read it). Every tab of this browser is the same user and shows the same inbox.
 */
export const IdentityCard = ({ user }: { user: string }) => {
  const [copied, setCopied] = useState<'copied' | 'failed'>()
  useEffect(() => {
    if (copied === undefined) return undefined
    const timer = setTimeout(() => {
      setCopied(undefined)
    }, COPIED_MS)
    return () => {
      clearTimeout(timer)
    }
  }, [copied])
  return (
    <section class="card side-card" aria-labelledby="identity-heading">
      <h2 id="identity-heading" class="side-card__title">
        Your id
      </h2>
      <div class="identity">
        <code class="identity__id" data-testid="own-id">
          {user}
        </code>
        <button
          type="button"
          class="button button--quiet button--small"
          onClick={() => {
            // Browsers offer the clipboard to secure pages only (https, or localhost).
            if (!window.isSecureContext) {
              setCopied('failed')
              return
            }
            navigator.clipboard.writeText(user).then(
              () => {
                setCopied('copied')
              },
              (error: unknown) => {
                // Refused (no permission): say so, the id can still be selected.
                console.warn('could not copy the id', error)
                setCopied('failed')
              },
            )
          }}
        >
          <Icon name={copied === 'copied' ? 'check' : 'copy'} size={14} />
          {copied === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p class="side-card__hint" aria-live="polite">
        {copied === 'failed'
          ? 'Could not copy: select the id and copy it by hand.'
          : 'Your backend notifies you at this id. It is not a password: only this browser reads your inbox, in every tab.'}
      </p>
    </section>
  )
}
