import { useState } from 'preact/hooks'
import { AdminApiError, callApi, WrongKeyError } from './api.ts'

interface Props {
  /** Why the key is asked again (it was refused), if it is. */
  notice: string | undefined
  onKey: (key: string) => void
}

/** Asks for the API key and checks it with `info` before the view uses it. */
export const KeyForm = ({ notice, onKey }: Props) => {
  const [key, setKey] = useState('')
  const [error, setError] = useState(notice)
  const [isChecking, setIsChecking] = useState(false)
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const given = key.trim()
    if (given === '') return
    setIsChecking(true)
    try {
      await callApi(given, 'info', {})
      onKey(given)
    } catch (failure) {
      setIsChecking(false)
      if (failure instanceof WrongKeyError)
        setError('The server refused this API key. Check it and try again.')
      else if (failure instanceof AdminApiError) setError(failure.message)
      else setError('Could not reach the server. Try again.')
    }
  }
  return (
    <form class="key-form card" onSubmit={(event) => void submit(event)}>
      <h2 class="key-form__title">API key</h2>
      <p class="key-form__help">
        The admin view uses the server&rsquo;s HTTP API. The key stays in this tab only.
      </p>
      <label class="field">
        <span class="field__label">Key</span>
        <input
          class="input"
          type="password"
          name="key"
          autocomplete="current-password"
          value={key}
          onInput={(event) => {
            setKey(event.currentTarget.value)
          }}
          required
        />
      </label>
      {error === undefined ? null : (
        <p class="key-form__error" role="alert">
          {error}
        </p>
      )}
      <button class="button" type="submit" disabled={isChecking}>
        {isChecking ? 'Checking…' : 'Open'}
      </button>
    </form>
  )
}
