import { useRef, useState } from 'preact/hooks'

/** Longest message the box takes; far below the server's 32 KiB publish limit. */
export const MAX_MESSAGE_LENGTH = 2_000

interface Props {
  room: string
  onSend: (text: string) => void
  onEdit: (text: string) => void
}

/** The message box: Enter sends, and focus stays in the box for the next message. */
export const Composer = ({ room, onSend, onEdit }: Props) => {
  const [text, setText] = useState('')
  const input = useRef<HTMLInputElement>(null)
  const canSend = text.trim() !== ''
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault()
        if (!canSend) return
        onSend(text.trim())
        setText('')
        input.current?.focus()
      }}
    >
      <label class="visually-hidden" for="message">
        Message
      </label>
      <input
        id="message"
        ref={input}
        class="input composer__input"
        name="message"
        placeholder={`Message #${room}`}
        autocomplete="off"
        autoFocus
        maxLength={MAX_MESSAGE_LENGTH}
        value={text}
        onInput={(event) => {
          const value = event.currentTarget.value
          setText(value)
          onEdit(value)
        }}
      />
      <button type="submit" class="button" disabled={!canSend}>
        Send
      </button>
    </form>
  )
}
