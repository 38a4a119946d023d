import { useState } from 'preact/hooks'
import { cleanRoom, LOBBY } from './room-name.ts'

/** Moves to another room by name; the lobby is one click away. */
export const RoomForm = ({ room, onJoin }: { room: string; onJoin: (room: string) => void }) => {
  const [typed, setTyped] = useState('')
  const target = cleanRoom(typed)
  return (
    <form
      class="room-form"
      onSubmit={(event) => {
        event.preventDefault()
        if (target === '') return
        setTyped('')
        onJoin(target)
      }}
    >
      <label class="field">
        <span class="field__label">Join a room</span>
        <span class="room-form__row">
          <input
            class="input"
            name="room"
            placeholder="Room name"
            autocomplete="off"
            value={typed}
            onInput={(event) => {
              setTyped(event.currentTarget.value)
            }}
          />
          <button type="submit" class="button button--quiet" disabled={target === ''}>
            Join
          </button>
        </span>
      </label>
      {room === LOBBY ? null : (
        <button
          type="button"
          class="link-button"
          onClick={() => {
            onJoin(LOBBY)
          }}
        >
          ← Back to the lobby
        </button>
      )}
    </form>
  )
}
