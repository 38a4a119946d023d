/**
 * A load generator process of bench/connections.js (forked by it, driven over IPC): opens its
 * share of `hubbub.v1` connections, each `connect` then `subscribe` to one channel, answers every
 * `ping` with `pong`, counts pings, closes and `pub` frames, and reports on request.
 *
 * Messages from the parent: `{ cmd: 'open', url, first, count, width, channel, addressOf }`,
 * `{ cmd: 'stats' }`, `{ cmd: 'check', count, lastSeq, timeoutMs }`, `{ cmd: 'close' }`. Each
 * answer is `{ re: cmd, ... }`; closes and errors after setup are also sent as they happen.
 */
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'

/** Per connection: the socket and small counters, nothing else (memory). */
const conns = []
let isClosing = false
const stats = { opened: 0, failed: 0, failures: {}, closes: {}, badFrames: 0, gaps: 0, dups: 0 }

const send = (message) => {
  if (process.connected) process.send(message)
}
const count = (table, key) => (table[key] = (table[key] ?? 0) + 1)

/** `{"type":"ping"}`: 15 bytes, `i` at 10. */
const isPing = (buf) => buf.length === 15 && buf[9] === 0x70 && buf[10] === 0x69

const openOne = (url, localAddress, channel) =>
  new Promise((resolve) => {
    const ws = new WebSocket(url, 'hubbub.v1', {
      localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 30_000,
    })
    const conn = { ws, pings: 0, pubs: 0, lastSeq: -1, isReady: false }
    let isSettled = false
    const settle = (failure) => {
      if (isSettled) return
      isSettled = true
      if (failure === undefined) {
        conn.isReady = true
        conns.push(conn)
        stats.opened += 1
      } else {
        stats.failed += 1
        count(stats.failures, failure)
        ws.terminate()
      }
      resolve()
    }
    ws.on('message', (buf) => {
      if (isPing(buf)) {
        conn.pings += 1
        ws.send('{"type":"pong"}')
        return
      }
      let frame
      try {
        frame = JSON.parse(buf.toString())
      } catch {
        stats.badFrames += 1
        return
      }
      if (frame.type === 'pub') {
        conn.pubs += 1
        const seq = frame.pub?.seq
        if (conn.lastSeq >= 0 && seq > conn.lastSeq + 1) stats.gaps += seq - conn.lastSeq - 1
        if (seq <= conn.lastSeq) stats.dups += 1
        else conn.lastSeq = seq
      } else if (frame.type === 'reply' && frame.id === 1) {
        if (frame.error !== undefined) settle(`connect: ${frame.error.code}`)
        else ws.send(`{"type":"subscribe","id":2,"channel":"${channel}"}`)
      } else if (frame.type === 'reply' && frame.id === 2) {
        if (frame.error !== undefined) settle(`subscribe: ${frame.error.code}`)
        else {
          if (conn.lastSeq < 0) conn.lastSeq = frame.result.seq
          settle()
        }
      } else if (frame.type !== 'reply') stats.badFrames += 1
    })
    ws.once('open', () => ws.send('{"type":"connect","id":1,"name":"c"}'))
    ws.on('error', (err) => {
      if (!isSettled) settle(`error: ${err.code ?? err.message}`)
    })
    ws.once('close', (code) => {
      if (!isSettled) settle(`closed ${code} during setup`)
      else if (conn.isReady && !isClosing) {
        count(stats.closes, String(code))
        send({ event: 'close', code })
      }
    })
  })

const open = async ({ url, first, count: n, width, channel, addresses, perAddress }) => {
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = first + next++
      const address = addresses[Math.floor(i / perAddress) % addresses.length]
      await openOne(url, address, channel)
      if (stats.opened % 1_000 === 0) send({ event: 'progress', opened: stats.opened })
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, width) }, worker))
  return { opened: stats.opened, failed: stats.failed, ms: performance.now() - started }
}

const snapshot = () => {
  let open = 0
  let pingsMin = Infinity
  let pingsMax = 0
  let pingsSum = 0
  for (const conn of conns) {
    if (conn.ws.readyState === WebSocket.OPEN) open += 1
    pingsMin = Math.min(pingsMin, conn.pings)
    pingsMax = Math.max(pingsMax, conn.pings)
    pingsSum += conn.pings
  }
  const { heapUsed, rss } = process.memoryUsage()
  return {
    ...stats,
    open,
    pingsMin: conns.length === 0 ? 0 : pingsMin,
    pingsMax,
    pingsSum,
    rssMiB: rss / 1_048_576,
    heapMiB: heapUsed / 1_048_576,
  }
}

/** Waits until every connection got `n` publications up to `lastSeq`; how many did not. */
const check = async ({ count: n, lastSeq, timeoutMs }) => {
  const deadline = performance.now() + timeoutMs
  const isDone = (conn) => conn.pubs >= n && conn.lastSeq >= lastSeq
  while (performance.now() < deadline && !conns.every(isDone)) await sleep(50)
  const incomplete = conns.filter((conn) => !isDone(conn))
  const missing = incomplete.reduce((sum, conn) => sum + Math.max(0, n - conn.pubs), 0)
  return { connections: conns.length, incomplete: incomplete.length, missing }
}

const closeAll = () => {
  isClosing = true
  for (const conn of conns) conn.ws.terminate()
}

process.on('message', (message) => {
  const reply = (result) => send({ re: message.cmd, ...result })
  switch (message.cmd) {
    case 'open':
      void open(message).then(reply)
      return
    case 'stats':
      reply(snapshot())
      return
    case 'check':
      void check(message).then(reply)
      return
    case 'close':
      closeAll()
      reply({})
      return
  }
})
// The parent is gone (or done): end with it.
process.on('disconnect', () => {
  closeAll()
  process.exit(0)
})
