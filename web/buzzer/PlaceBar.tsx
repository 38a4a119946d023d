import { useState } from 'preact/hooks'
import { cleanRoom, type BuzzerPlace } from './buzzer-url.ts'

interface Props {
  place: BuzzerPlace
  onChange: (place: BuzzerPlace) => void
}

/** Which room, and whether to play in it or host it. */
export const PlaceBar = ({ place, onChange }: Props) => {
  const [typed, setTyped] = useState('')
  const target = cleanRoom(typed)
  return (
    <div class="place-bar">
      <form
        class="room-form"
        onSubmit={(event) => {
          event.preventDefault()
          if (target === '') return
          setTyped('')
          onChange({ ...place, room: target })
        }}
      >
        <label class="visually-hidden" for="room">
          Go to room
        </label>
        <input
          id="room"
          class="input room-form__input"
          name="room"
          placeholder="Another room…"
          autocomplete="off"
          maxLength={64}
          value={typed}
          onInput={(event) => {
            setTyped(event.currentTarget.value)
          }}
        />
        <button type="submit" class="button button--quiet" disabled={target === ''}>
          Go
        </button>
      </form>
      <div class="view-switch" role="group" aria-label="View">
        {([false, true] as const).map((isHost) => (
          <button
            key={String(isHost)}
            type="button"
            class="view-switch__option"
            aria-pressed={place.isHost === isHost}
            onClick={() => {
              if (place.isHost !== isHost) onChange({ ...place, isHost })
            }}
          >
            {isHost ? 'Host' : 'Play'}
          </button>
        ))}
      </div>
    </div>
  )
}
