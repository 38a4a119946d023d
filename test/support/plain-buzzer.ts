import type WebSocket from 'ws'
import { Inbox, opened } from './frames.js'

/** A plain `/buzzer` client over `ws` (a socket the caller opened and ends): `buzz()` answers the line. */
export const plainBuzzer = async (ws: WebSocket): Promise<{ buzz: () => Promise<string> }> => {
  const inbox = new Inbox<string>()
  ws.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(ws)
  return {
    buzz: async (): Promise<string> => {
      ws.send('buzz')
      return await inbox.take()
    },
  }
}
