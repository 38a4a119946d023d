import { useState } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'

/** The server's limits (docs/apps.md). */
const MAX_USER_LENGTH = 200
const MAX_TITLE_LENGTH = 200
const MAX_BODY_LENGTH = 2_000

type Outcome = { kind: 'sent'; to: string } | { kind: 'failed'; error: string }

interface Props {
  client: Client
  /** This page's user, for "to myself". */
  self: string
  isOnline: boolean
}

/** Sends a notification to any user id (`notify.send`): a friend's, or this browser's own. */
export const SendForm = ({ client, self, isOnline }: Props) => {
  const [to, setTo] = useState('')
  const [title, setTitle] = useState('')
  const [body, setBody] = useState('')
  const [isSending, setIsSending] = useState(false)
  const [outcome, setOutcome] = useState<Outcome>()
  const target = to.trim()
  const heading = title.trim()
  const canSend = isOnline && !isSending && target !== '' && heading !== ''
  return (
    <section class="card side-card" aria-labelledby="send-heading">
      <h2 id="send-heading" class="side-card__title">
        Send a notification
      </h2>
      <form
        class="send-form"
        onSubmit={(event) => {
          event.preventDefault()
          if (!canSend) return
          setIsSending(true)
          setOutcome(undefined)
          client
            .rpc('notify.send', { user: target, title: heading, body: body.trim() })
            .then(
              () => {
                setOutcome({ kind: 'sent', to: target })
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
        <div class="field">
          <span class="send-form__label-row">
            <label class="field__label" for="send-to">
              To (user id)
            </label>
            <button
              type="button"
              class="link-button send-form__self"
              onClick={() => {
                setTo(self)
              }}
            >
              Myself
            </button>
          </span>
          <input
            id="send-to"
            class="input input--mono"
            name="to"
            placeholder="anon:…"
            autocomplete="off"
            spellcheck={false}
            required
            maxLength={MAX_USER_LENGTH}
            value={to}
            onInput={(event) => {
              setTo(event.currentTarget.value)
            }}
          />
        </div>
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
              <span class="send-form__sent">Sent{outcome.to === self ? ' to yourself' : ''}.</span>
            ) : (
              <span class="send-form__failed">Not sent: {outcome.error}</span>
            )}
          </p>
          <button type="submit" class="button" disabled={!canSend}>
            {isSending ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
    </section>
  )
}
