import type { TextEndpoint } from '../../server/index.js'

/** `/hello`: answers each message, a name, with `Hello <name>!` (the name trimmed). */
export const helloEndpoint: TextEndpoint = (connection) => {
  connection.on('message', (message) => {
    const name = message.trim()
    connection.send(name === '' ? 'Send your name and I will say hello.' : `Hello ${name}!`)
  })
}
