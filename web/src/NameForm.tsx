import { useState } from 'preact/hooks'
import { checkName, MAX_NAME_LENGTH } from './name-store.ts'

/** What a page says around its name form. */
export interface NameFormTexts {
  /** The heading the first time, before there is a name. */
  welcome: string
  /** Why the name is asked for. */
  hint: string
  /** The submit button the first time. */
  join: string
}

interface Props {
  initial: string
  texts: NameFormTexts
  onSubmit: (name: string) => void
  /** Given when the form changes a name: then it can be cancelled. */
  onCancel?: () => void
}

/** Asks for the display name others will see; the page remembers it for next time. */
export const NameForm = ({ initial, texts, onSubmit, onCancel }: Props) => {
  const [typed, setTyped] = useState(initial)
  const check = checkName(typed)
  const name = check.ok ? check.name : ''
  return (
    <form
      class="name-form card"
      onSubmit={(event) => {
        event.preventDefault()
        if (name !== '') onSubmit(name)
      }}
    >
      <h2>{onCancel === undefined ? texts.welcome : 'Change your name'}</h2>
      <p class="name-form__hint">{texts.hint}</p>
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
      {check.ok ? null : (
        <p class="name-form__problem" role="alert">
          {`This name cannot be used: ${check.problem}.`}
        </p>
      )}
      <div class="name-form__actions">
        {onCancel === undefined ? null : (
          <button type="button" class="button button--quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="button" disabled={name === ''}>
          {onCancel === undefined ? texts.join : 'Save'}
        </button>
      </div>
    </form>
  )
}
