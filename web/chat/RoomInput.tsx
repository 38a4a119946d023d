import type { Subscription } from '../../src/client/index.ts'
import { Composer } from './Composer.tsx'
import { describeTypists } from './typing.ts'
import { useTypingSignal } from './use-typing-signal.ts'
import { useTypists } from './use-typists.ts'

interface Props {
  sub: Subscription
  room: string
  self: string | undefined
  onSend: (text: string) => void
}

/** Who else is typing, and the message box, which tells the others when this person types. */
export const RoomInput = ({ sub, room, self, onSend }: Props) => {
  const typists = useTypists(sub, self)
  const typing = useTypingSignal(sub)
  return (
    <>
      <p class="typing" aria-live="polite" data-testid="typing">
        {describeTypists(typists)}
      </p>
      <Composer
        room={room}
        onEdit={typing.edited}
        onSend={(text) => {
          typing.sent()
          onSend(text)
        }}
      />
    </>
  )
}
