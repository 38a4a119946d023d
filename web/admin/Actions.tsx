import { useState } from 'preact/hooks'
import { callApi, WrongKeyError } from './api.ts'

interface Props {
  apiKey: string
  onDone: () => void
  onWrongKey: () => void
}

/** Runs one action, then reports what happened in `setOutcome`. */
const useAction = (props: Props) => {
  const [outcome, setOutcome] = useState<{ text: string; isError: boolean }>()
  const run = async (action: () => Promise<string>): Promise<void> => {
    try {
      setOutcome({ text: await action(), isError: false })
      props.onDone()
    } catch (error) {
      if (error instanceof WrongKeyError) props.onWrongKey()
      else
        setOutcome({ text: error instanceof Error ? error.message : String(error), isError: true })
    }
  }
  return { outcome, run }
}

const Outcome = ({ outcome }: { outcome: { text: string; isError: boolean } | undefined }) =>
  outcome === undefined ? null : (
    <p class={`action__outcome${outcome.isError ? ' action__outcome--error' : ''}`} role="status">
      {outcome.text}
    </p>
  )

/** A labelled one-line input. */
const TextField = (props: {
  label: string
  name: string
  value: string
  onInput: (value: string) => void
  required?: boolean
}) => (
  <label class="field">
    <span class="field__label">{props.label}</span>
    <input
      class="input"
      name={props.name}
      value={props.value}
      required={props.required}
      onInput={(e) => {
        props.onInput(e.currentTarget.value)
      }}
    />
  </label>
)

/** Closes every connection of one user on this node (close 4509). */
export const DisconnectForm = (props: Props) => {
  const [user, setUser] = useState('')
  const [reason, setReason] = useState('')
  const { outcome, run } = useAction(props)
  return (
    <form
      class="action"
      aria-label="Disconnect a user"
      onSubmit={(event) => {
        event.preventDefault()
        void run(async () => {
          const params = reason.trim() === '' ? { user } : { user, reason: reason.trim() }
          const { disconnected } = await callApi(props.apiKey, 'disconnect', params)
          return `Disconnected ${disconnected} connection${disconnected === 1 ? '' : 's'} of ${user}.`
        })
      }}
    >
      <h3 class="action__title">Disconnect a user</h3>
      <TextField label="User id" name="user" value={user} onInput={setUser} required />
      <TextField label="Reason (optional)" name="reason" value={reason} onInput={setReason} />
      <button class="button" type="submit">
        Disconnect
      </button>
      <Outcome outcome={outcome} />
    </form>
  )
}

/** Publishes JSON (or, when it is not JSON, the text as a string) to a channel as the server. */
export const PublishForm = (props: Props) => {
  const [channel, setChannel] = useState('')
  const [data, setData] = useState('')
  const { outcome, run } = useAction(props)
  return (
    <form
      class="action"
      aria-label="Publish"
      onSubmit={(event) => {
        event.preventDefault()
        void run(async () => {
          let value: unknown
          try {
            value = JSON.parse(data)
          } catch (error) {
            if (!(error instanceof SyntaxError)) throw error
            value = data
          }
          const { seq } = await callApi(props.apiKey, 'publish', { channel, data: value })
          return `Published to ${channel} as #${seq}.`
        })
      }}
    >
      <h3 class="action__title">Publish</h3>
      <TextField label="Channel" name="channel" value={channel} onInput={setChannel} required />
      <label class="field">
        <span class="field__label">Data (JSON, or text)</span>
        <textarea
          class="input action__data"
          name="data"
          value={data}
          required
          rows={3}
          onInput={(e) => {
            setData(e.currentTarget.value)
          }}
        />
      </label>
      <button class="button" type="submit">
        Publish
      </button>
      <Outcome outcome={outcome} />
    </form>
  )
}
