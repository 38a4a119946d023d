/**
 * What one socket write costs on this machine, the floor under every fan-out figure: this process
 * accepts N loopback TCP connections from a child process that reads and discards, then writes a
 * 270-byte buffer (a hubbub `pub` frame's size) to each of them, once per event-loop turn, for R
 * rounds, and prints the CPU time per write (user and system) and the wall time per round. No
 * WebSocket, no hubbub: a server that writes to N sockets per message cannot do better.
 *
 *   node bench/write-cost.js [N] [R]     (defaults 1,000 and 300)
 */
import { fork } from 'node:child_process'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

const isReader = process.argv[2] === '--reader'
const N = isReader ? 0 : Number(process.argv[2] ?? 1_000)
const ROUNDS = isReader ? 0 : Number(process.argv[3] ?? 300)
const BYTES = 270

const reader = (port, n) => {
  let open = 0
  for (let i = 0; i < n; i++) {
    // Spread over source addresses, as the benchmark's generator does.
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % 4)}` })
    socket.on('connect', () => {
      if (++open === n) process.send('open')
    })
    socket.on('data', () => undefined)
    socket.on('error', () => undefined)
  }
}

const writer = () => {
  const sockets = []
  const server = net.createServer((socket) => {
    socket.setNoDelay(true) // as ws does
    sockets.push(socket)
  })
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address()
    const child = fork(fileURLToPath(import.meta.url), ['--reader', String(port), String(N)])
    child.once('message', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      const buf = Buffer.alloc(BYTES, 0x78)
      const cpu = process.cpuUsage()
      const started = performance.now()
      for (let round = 0; round < ROUNDS; round++) {
        for (const socket of sockets) socket.write(buf)
        await new Promise((resolve) => setImmediate(resolve))
      }
      const { user, system } = process.cpuUsage(cpu)
      const writes = ROUNDS * N
      const us = (x) => (x / writes).toFixed(2)
      process.stdout.write(
        `${N} sockets × ${ROUNDS} rounds of ${BYTES} B: ${us(user + system)} µs CPU per write ` +
          `(${us(user)} user, ${us(system)} system), ` +
          `${((performance.now() - started) / ROUNDS).toFixed(2)} ms per round\n`,
      )
      child.kill()
      process.exit(0)
    })
  })
}

if (isReader) reader(Number(process.argv[3]), Number(process.argv[4]))
else writer()
