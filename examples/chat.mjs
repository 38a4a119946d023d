// A terminal chat in chat:lobby with the client SDK: `node examples/chat.mjs Alice`.
// Type a line to send it. Restart the server meanwhile: nothing is lost or repeated.
import { createInterface } from 'node:readline'
import { connect } from 'hubbub/client'

const name = process.argv[2] ?? 'Guest'
const client = connect(process.env.HUBBUB_URL ?? 'ws://localhost:8765', { name })
const room = client.channel('chat:lobby')

client.on('state', ({ state }) => console.log(`* ${state}`))
room.on('message', ({ seq, from, data }) =>
  console.log(`#${seq} [${from?.name ?? 'server'}] ${data.text}`),
)
room.on('reset', () => console.log('* missed too much to catch up; showing new messages only'))

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue
  const { seq } = await room.publish({ text: line })
  console.log(`#${seq} [${name}] ${line}`)
}
client.close()
