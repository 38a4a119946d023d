import { useState } from 'preact/hooks'
import { cleanName, MAX_NAME_LENGTH } from '../src/name-store.ts'

interface Props {
  initial: string
  onSubmit: (name: string) => void
  /** Given when the form changes a name: then it can be cancelled. */
  onCancel?: () => void
}

/** Asks for the name the ranking shows; the page remembers it (the chat shares it). */
export const NameForm = ({ initial, onSubmit, onCancel }: Props) => {
  const [typed, setTyped] = useState(initial)
  const name = cleanName(typed)
  return (
    <form
      class="name-form card"
      onSubmit={(event) => {
        event.preventDefault()
        if (name !== '') onSubmit(name)
      }}
    >
      <h2>{onCancel === undefined ? 'Ready to buzz?' : 'Change your name'}</h2>
      <p class="name-form__hint">The ranking shows this name. This browser remembers it.</p>
      <label class="field">
        <span class="field__label">Your name</span>
        <input
          class="input"
          name="name"
          autocomplete="nickname"
          maxLength={MAX_NAME_LENGTH}
          required
          autoFocus
          value={typed}
          onInput={(event) => {
            setTyped(event.currentTarget.value)
          }}
        />
      </label>
      <div class="name-form__actions">
        {onCancel === undefined ? null : (
          <button type="button" class="button button--quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="button" disabled={name === ''}>
          {onCancel === undefined ? 'Join' : 'Save'}
        </button>
      </div>
    </form>
  )
}
