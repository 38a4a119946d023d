import type { Client } from '../../src/client/index.ts'
import { useConnection } from '../src/use-connection.ts'
import { PeopleList } from './PeopleList.tsx'
import { RoomForm } from './RoomForm.tsx'
import { RoomInput } from './RoomInput.tsx'
import { Timeline } from './Timeline.tsx'
import { useRoom } from './use-room.ts'

interface Props {
  client: Client
  room: string
  name: string
  onJoin: (room: string) => void
}

/**
 * One room: rooms and people on the side, the conversation, who is typing, the message box.
 * Mount it with the room as its `key`.
 */
export const ChatRoom = ({ client, room, name, onJoin }: Props) => {
  const { sub, state, send, retry } = useRoom(client, room, name)
  const connection = useConnection(client)
  return (
    <div class="chat">
      <aside class="chat__side" aria-label="Rooms and people">
        <RoomForm room={room} onJoin={onJoin} />
        <PeopleList people={state.people} self={state.self} />
      </aside>
      <section class="chat__main" aria-labelledby="room-heading">
        <h2 id="room-heading" class="chat__room">
          <span aria-hidden="true">#</span>
          {room}
          <span class="visually-hidden"> room</span>
        </h2>
        <Timeline items={state.items} self={state.self} connection={connection} onRetry={retry} />
        {sub === undefined ? null : (
          <RoomInput sub={sub} room={room} self={state.self} onSend={send} />
        )}
      </section>
    </div>
  )
}
