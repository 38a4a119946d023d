import { useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'

/** The server's limits (docs/apps.md). */
const MAX_TITLE_LENGTH = 200
const MAX_BODY_LENGTH = 2_000

type Outcome = { kind: 'sent' } | { kind: 'failed'; error: string }

interface Props {
  client: Client
  /** This page's user: a browser may notify only itself; other people are notified by a backend. */
  self: string
  isOnline: boolean
}

/** Sends this browser's user a notification (`notify.send` to itself), to try the inbox out. */
export const SendForm = ({ client, self, isOnline }: Props) => {
  const [title, setTitle] = useState('')
  const [body, setBody] = useState('')
  const [isSending, setIsSending] = useState(false)
  const [outcome, setOutcome] = useState<Outcome>()
  const heading = title.trim()
  const canSend = isOnline && !isSending && self !== '' && heading !== ''
  return (
    <section class="card side-card" aria-labelledby="send-heading">
      <h2 id="send-heading" class="side-card__title">
        Send yourself one
      </h2>
      <form
        class="send-form"
        onSubmit={(event) => {
          event.preventDefault()
          if (!canSend) return
          setIsSending(true)
          setOutcome(undefined)
          client
            .rpc('notify.send', { user: self, title: heading, body: body.trim() })
            .then(
              () => {
                setOutcome({ kind: 'sent' })
                setTitle('')
                setBody('')
              },
              (error: unknown) => {
                setOutcome({
                  kind: 'failed',
                  error: error instanceof Error ? error.message : 'the server did not take it',
                })
              },
            )
            .finally(() => {
              setIsSending(false)
            })
        }}
      >
        <label class="field">
          <span class="field__label">Title</span>
          <input
            class="input"
            name="title"
            autocomplete="off"
            required
            maxLength={MAX_TITLE_LENGTH}
            value={title}
            onInput={(event) => {
              setTitle(event.currentTarget.value)
            }}
          />
        </label>
        <label class="field">
          <span class="field__label">
            Message <span class="field__optional">(optional)</span>
          </span>
          <textarea
            class="input send-form__body"
            name="body"
            rows={3}
            maxLength={MAX_BODY_LENGTH}
            value={body}
            onInput={(event) => {
              setBody(event.currentTarget.value)
            }}
          />
        </label>
        <div class="send-form__actions">
          <p class="send-form__outcome" aria-live="polite" data-testid="send-outcome">
            {outcome === undefined ? null : outcome.kind === 'sent' ? (
              <span class="send-form__sent">Sent to yourself.</span>
            ) : (
              <span class="send-form__failed">Not sent: {outcome.error}</span>
            )}
          </p>
          <button type="submit" class="button" disabled={!canSend}>
            {isSending ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
      <p class="side-card__hint">
        Other people are notified by your backend, through hubbub’s HTTP API (docs/api.md).
      </p>
    </section>
  )
}
