/** A loopback TCP port free right now, for servers that cannot pick their own (nats-server). */
import { createServer } from 'node:net'

export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
