import type { TextEndpoint } from '../../server/index.js'

/** `/upper`: answers each message with the message in upper case. */
export const upperEndpoint: TextEndpoint = (connection) => {
  connection.on('message', (message) => {
    connection.send(message.toUpperCase())
  })
}
