import type { TextEndpoint } from '../../server/index.js'

/** `/echo`: answers each message with `Echo: <msg>`. */
export const echoEndpoint: TextEndpoint = (connection) => {
  connection.on('message', (message) => {
    connection.send(`Echo: ${message}`)
  })
}
